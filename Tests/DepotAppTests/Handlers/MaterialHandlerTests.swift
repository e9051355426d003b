import DepotApp
import DepotCore
import DepotSystem
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

    /// The start of an MP4 (an `ftyp` box): enough for the sniffer to call it video.
    private static let mp4: [UInt8] = [0, 0, 0, 0x18] + Array("ftypisom".utf8) + [0, 0, 2, 0] + Array("isommp42".utf8) + [UInt8](repeating: 0, count: 64)

    private func ids(_ response: InProcessResponse) -> [Int64] {
        (response.data?["items"]?.items ?? []).compactMap { $0["id"]?.intValue }
    }

    @Test func cursorPagesWalkEveryMaterialOnceNewestFirst() throws {
        let test = try InProcessApp()
        for round in 0..<4 {
            let response = test.upload(
                "/api/malls/7/materials",
                InProcessApp.Form {
                    $0.file("f", filename: "a\(round).png", TestImages.png(width: 10, height: 20))
                    $0.file("f", filename: "v\(round).mp4", Self.mp4)
                })
            #expect(response.status == 200, "\(response.text)")
        }
        _ = seed(test, mall: 8)
        let all = ids(test.request("GET", "/api/malls/7/materials?limit=500"))
        #expect(all.count == 8 && all == all.sorted(by: >))
        for (query, expected) in [("", all), ("&type=2", ids(test.request("GET", "/api/malls/7/materials?type=2&limit=500")))] {
            #expect(!expected.isEmpty)
            var walked: [Int64] = []
            var next = test.request("GET", "/api/malls/7/materials?limit=3\(query)")
            var pages = 1
            while true {
                #expect(next.status == 200, "\(next.text)")
                #expect(next.data?["total"]?.intValue == Int64(expected.count))
                walked += ids(next)
                guard let cursor = next.data?["next_cursor"]?.stringValue else { break }
                #expect(!cursor.contains("=") && !cursor.contains("/") && !cursor.contains("+"))
                next = test.request("GET", "/api/malls/7/materials?limit=3\(query)&cursor=\(cursor)")
                pages += 1
            }
            // Every item once, in order; the last page says there is no next one.
            #expect(walked == expected, "\(query)")
            #expect(pages == (expected.count + 2) / 3)
            #expect(next.data?["next_cursor"] == .null)
        }
        #expect(ids(test.request("GET", "/api/malls/7/materials?type=2&limit=500")).count == 4)
        // A cursor stays valid when the item it points at is deleted: the next page starts below it.
        let first = test.request("GET", "/api/malls/7/materials?limit=2")
        let cursor = try #require(first.data?["next_cursor"]?.stringValue)
        #expect(test.request("DELETE", "/api/materials/\(all[1])").status == 200)
        #expect(ids(test.request("GET", "/api/malls/7/materials?limit=2&cursor=\(cursor)")) == [all[2], all[3]])
        // Refused: another mall's or type's cursor, something no list gave out, a cursor with an offset.
        let wrong = [
            "/api/malls/8/materials?cursor=\(cursor)", "/api/malls/7/materials?type=0&cursor=\(cursor)",
            "/api/malls/7/materials?cursor=abc", "/api/malls/7/materials?cursor=\(cursor)%3D",
            "/api/malls/7/materials?cursor=\(cursor)&offset=2",
        ]
        for uri in wrong {
            let response = test.request("GET", uri)
            #expect(response.status == 400 && response.code == 40000, "\(uri): \(response.text)")
        }
    }

    @Test func totalsFollowEveryWayARowComesAndGoes() throws {
        let test = try InProcessApp()
        _ = seed(test)
        _ = seed(test)
        func total(_ query: String = "") -> Int64? { test.request("GET", "/api/malls/7/materials?limit=1\(query)").data?["total"]?.intValue }
        #expect(total() == 4 && total("&type=0") == 4 && total("&type=2") == 0)
        let items = test.request("GET", "/api/malls/7/materials?limit=500").data?["items"]?.items ?? []
        let id = try #require(items.first?["id"]?.intValue)
        #expect(test.request("DELETE", "/api/materials/\(id)").status == 200)
        #expect(total() == 3)
        // A file row deleted under a material takes the material with it (ON DELETE CASCADE): the
        // counter follows that too.
        let path = try #require(items.last?["base_path"]?.stringValue)
        try test.app.persistence.write { try $0.deleteFile(path: path) }
        #expect(total() == 2 && total("&type=0") == 2)
        #expect(test.request("GET", "/api/malls/9/materials").data?["total"]?.intValue == 0)
    }

    /// Uploads and deletes racing on one mall: the counter ends where a count of the rows does.
    @Test func theTotalStaysExactUnderConcurrentUploadsAndDeletes() throws {
        let test = try InProcessApp()
        let group = DispatchGroup()
        for worker in 0..<4 {
            DispatchQueue.global().async(group: group) {
                for round in 0..<6 {
                    let response = self.seed(test)
                    if round % 2 == worker % 2, let id = response.data?.items.first?["id"]?.intValue {
                        _ = test.request("DELETE", "/api/materials/\(id)")
                    }
                }
            }
        }
        group.wait()
        let page = test.request("GET", "/api/malls/7/materials?limit=500")
        let items = page.data?["items"]?.items ?? []
        #expect(items.count == 4 * 6 * 2 - 12)
        #expect(page.data?["total"]?.intValue == Int64(items.count))
        #expect(test.request("GET", "/api/malls/7/materials?type=0").data?["total"]?.intValue == Int64(items.count))
    }

    /// A counter changed behind the store's back (by hand, say) is a problem `depot check` reports
    /// and `--repair` fixes by counting again.
    @Test func checkFindsATotalThatDriftedAndRepairCountsAgain() throws {
        let test = try InProcessApp()
        _ = seed(test)
        _ = seed(test, mall: 8)
        let tamper = "UPDATE material_counts SET n = n + 5 WHERE mall_id = 7"
        if let url = test.schemaURL {
            // PostgreSQL's counters may still be in the count log: add to the counter row itself.
            _ = try PostgresConnection(url: url).execute(
                "INSERT INTO material_counts VALUES (7, 0, 5) ON CONFLICT (mall_id, material_type) DO UPDATE SET n = material_counts.n + 5")
        } else {
            try SQLiteDatabase(path: test.app.config.databasePath).execute(tamper)
        }
        #expect(test.request("GET", "/api/malls/7/materials").data?["total"]?.intValue == 7)
        let check = StoreCheck(config: test.app.config, deep: false)
        let report = try check.run()
        #expect(report.problems == [.countDrift(MaterialCountDrift(mallID: 7, type: 0, counted: 7, rows: 2))], "\(report.problems)")
        let done = try check.repair(report, config: test.app.config)
        #expect(done.count == 1, "\(done)")
        #expect(try check.run().isConsistent)
        #expect(test.request("GET", "/api/malls/7/materials").data?["total"]?.intValue == 2)
        #expect(test.request("GET", "/api/malls/8/materials").data?["total"]?.intValue == 2)
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
