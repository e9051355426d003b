import DepotApp
import DepotCore
import Foundation
import Testing

/// The materials library, in process: upload, list, get, delete.
@Suite struct MaterialHandlerTests {
    private func seed(_ test: InProcessApp, mall: Int = 7) -> InProcessResponse {
        test.upload(
            "/api/malls/\(mall)/materials",
            InProcessApp.Form {
                $0.file("f", filename: "a.png", TestImages.png(width: 10, height: 20))
                $0.file("f", filename: "readme.txt", Array("not media".utf8))
                $0.file("f", filename: "b.png", TestImages.png(width: 30, height: 40))
            })
    }

    @Test func uploadStoresMediaAndReportsTheRestInRequestOrder() throws {
        let test = try InProcessApp()
        let response = seed(test)
        #expect(response.status == 200, "\(response.text)")
        let entries = response.data?.items ?? []
        #expect(entries.count == 3)
        #expect(entries[0]["success"] == .bool(true) && entries[0]["width"]?.intValue == 10)
        #expect(entries[1]["success"] == .bool(false) && entries[1]["reason"]?.stringValue == "not an image, video or audio file")
        #expect(entries[2]["height"]?.intValue == 40)
        // Ids come from the store, in insert order.
        let first = try #require(entries[0]["id"]?.intValue)
        #expect(entries[2]["id"]?.intValue == first + 1)
        #expect(test.storedFiles().count == 2)
    }

    @Test func listFiltersPagesAndCounts() throws {
        let test = try InProcessApp()
        _ = seed(test)
        _ = seed(test, mall: 8)
        let page = test.request("GET", "/api/malls/7/materials?limit=1")
        #expect(page.status == 200)
        #expect(page.data?["total"]?.intValue == 2)
        let items = page.data?["items"]?.items ?? []
        #expect(items.count == 1 && items[0]["width"]?.intValue == 30)  // newest first
        let second = test.request("GET", "/api/malls/7/materials?limit=1&offset=1").data?["items"]?.items ?? []
        #expect(second.first?["width"]?.intValue == 10)
        #expect(test.request("GET", "/api/malls/7/materials?type=2").data?["total"]?.intValue == 0)
        #expect(test.request("GET", "/api/malls/7/materials?type=0").data?["total"]?.intValue == 2)
        for bad in ["limit=0", "limit=501", "offset=-1", "type=3", "limit=x"] {
            let response = test.request("GET", "/api/malls/7/materials?\(bad)")
            #expect(response.status == 400 && response.code == 40000, "\(bad)")
        }
        #expect(test.request("GET", "/api/malls/0/materials").status == 400)
    }

    @Test func getAndDeleteThenNotFound() throws {
        let test = try InProcessApp()
        let id = try #require(seed(test).data?.items.first?["id"]?.intValue)
        let got = test.request("GET", "/api/materials/\(id)")
        #expect(got.status == 200 && got.data?["id"]?.intValue == id)
        let path = try #require(got.data?["base_path"]?.stringValue)
        #expect(test.storedFiles().contains(path))
        let deleted = test.request("DELETE", "/api/materials/\(id)")
        #expect(deleted.status == 200 && deleted.data?["deleted"] == .bool(true))
        // The row, the file row and the bytes are gone together.
        #expect(!test.storedFiles().contains(path))
        #expect(try test.app.persistence.file(path: path) == nil)
        #expect(test.request("GET", "/api/materials/\(id)").status == 404)
        #expect(test.request("DELETE", "/api/materials/\(id)").code == 40400)
        #expect(test.request("GET", "/api/materials/abc").code == 40000)
    }

    @Test func imagesWithoutASizeAreRefusedNotStored() throws {
        let test = try InProcessApp { $0.maxImagePixels = 1000 }
        let response = test.upload(
            "/api/malls/1/materials",
            InProcessApp.Form {
                $0.file("f", filename: "huge.png", TestImages.png(width: 100, height: 100))
                $0.file("f", filename: "cut.png", Array(TestImages.png(width: 1, height: 1).prefix(20)))
            })
        let entries = response.data?.items ?? []
        #expect(entries.count == 2)
        #expect(entries.allSatisfy { $0["success"] == .bool(false) }, "\(response.text)")
        #expect(test.storedFiles().isEmpty)
    }
}
