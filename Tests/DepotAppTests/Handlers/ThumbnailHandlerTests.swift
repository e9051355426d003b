import DepotApp
import DepotCore
import DepotSystem
import Foundation
import Synchronization
import Testing

/// Thumbnails in process: made once (also under concurrent first requests), removed with their
/// original, the pixel guard, served without nginx, and `depot check` over `.thumbnails/`.
/// The e2e suite covers the formats with Pillow as the oracle, through nginx.
@Suite struct ThumbnailHandlerTests {
    static let photo: [UInt8] = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("DepotSystemTests/Fixtures/two-colours.jpg").path
        return Array(FileManager.default.contents(atPath: path) ?? Data())
    }()

    private func put(_ test: InProcessApp, _ name: String, _ bytes: [UInt8], overwrite: Bool = false) throws -> String {
        let response = test.request(
            "PUT", "/api/uploads/pics/\(name)?name=original\(overwrite ? "&overwrite=1" : "")", headers: ["Authorization": "Bearer t"], body: bytes)
        #expect(response.status == 201, "\(response.text)")
        return try #require(response.data?["id"]?.stringValue)
    }

    private func thumbnailFiles(_ test: InProcessApp) -> [String] {
        let root = test.app.config.storageRoot + "/.thumbnails"
        return ((FileManager.default.enumerator(atPath: root)?.allObjects as? [String]) ?? []).filter { $0.contains(".") }.sorted()
    }

    @Test func madeOnceThenTheSameRowAndFile() throws {
        let test = try InProcessApp()
        let id = try put(test, "a.jpg", Self.photo)
        let first = test.request("GET", "/api/files/\(id)/thumbnail?size=64&format=webp")
        #expect(first.status == 200 && first.body.isEmpty, "\(first.text)")
        let redirect = try #require(first.header("X-Accel-Redirect"))
        #expect(redirect.hasPrefix(DownloadPlan.storedLocation + "/.thumbnails/"))
        #expect(first.header("Content-Type") == "image/webp" && first.header("Vary") == nil)
        let again = test.request("GET", "/api/files/\(id)/thumbnail?size=64&format=webp")
        #expect(again.header("X-Accel-Redirect") == redirect)
        #expect(self.thumbnailFiles(test).count == 1)
        let auto = test.request("GET", "/api/files/\(id)/thumbnail?size=64", headers: ["Accept": "image/webp,*/*"])
        #expect(auto.header("Vary") == "Accept")
        #expect(auto.header("X-Accel-Redirect")?.hasPrefix(DownloadPlan.varyingLocation + "/.thumbnails/") == true)
        // WebP asked for by name or chosen by Accept is one stored thumbnail.
        #expect(auto.header("X-Accel-Redirect")?.dropFirst(DownloadPlan.varyingLocation.count) == redirect.dropFirst(DownloadPlan.storedLocation.count))
        #expect(self.thumbnailFiles(test).count == 1)
    }

    @Test func concurrentFirstRequestsMakeItOnce() throws {
        let test = try InProcessApp()
        let id = try put(test, "a.jpg", Self.photo)
        let redirects = Mutex<[String?]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let response = test.request("GET", "/api/files/\(id)/thumbnail?size=128&format=avif")
            redirects.withLock { $0.append(response.header("X-Accel-Redirect")) }
        }
        let seen = redirects.withLock { $0 }
        #expect(seen.count == 8 && Set(seen).count == 1 && seen[0] != nil)
        #expect(self.thumbnailFiles(test).count == 1)
    }

    @Test func overwriteAndDeleteRemoveThumbnailsAndTheirRows() throws {
        let test = try InProcessApp()
        let id = try put(test, "a.jpg", Self.photo)
        for size in [64, 128] { #expect(test.request("GET", "/api/files/\(id)/thumbnail?size=\(size)&format=png").status == 200) }
        #expect(self.thumbnailFiles(test).count == 2)
        let replaced = try put(test, "a.jpg", Self.photo, overwrite: true)
        #expect(self.thumbnailFiles(test).isEmpty)
        #expect(try test.app.persistence.thumbnail(fileID: id, variant: "64-contain-png") == nil)
        #expect(try test.app.persistence.thumbnailGarbage(limit: 10).isEmpty)
        #expect(test.request("GET", "/api/files/\(replaced)/thumbnail?size=64&format=png").status == 200)
        #expect(self.thumbnailFiles(test).count == 1)

        // A material's delete takes its file's thumbnails with it.
        var form = InProcessApp.Form()
        form.file("files", filename: "m.jpg", Self.photo, contentType: "image/jpeg")
        let material = test.upload("/api/malls/3/materials", form, headers: ["Authorization": "Bearer t"])
        guard case .array(let entries) = material.data, let item = entries.first else {
            Issue.record("materials answered \(material.text)")
            return
        }
        let fileID = try #require(item["url"]?.stringValue?.split(separator: "/").last.map(String.init))
        #expect(test.request("GET", "/api/files/\(fileID)/thumbnail?size=64&format=jpeg").status == 200)
        #expect(self.thumbnailFiles(test).count == 2)
        let materialID = try #require(item["id"]?.intValue)
        #expect(test.request("DELETE", "/api/materials/\(materialID)", headers: ["Authorization": "Bearer t"]).status == 200)
        #expect(self.thumbnailFiles(test).count == 1)
        #expect(test.request("GET", "/api/files/\(fileID)/thumbnail?size=64&format=jpeg").status == 404)
    }

    @Test func thePixelLimitAndTheMediaRules() throws {
        let test = try InProcessApp()
        let id = try put(test, "a.jpg", Self.photo)
        let file = try #require(try test.app.persistence.file(id: id))
        var strict = test.app.config
        strict.maxImagePixels = 9599  // the photo is 120 × 80
        let thumbnails = Thumbnails(storage: test.app.storage, persistence: test.app.persistence, config: strict)
        let variant = ThumbnailVariant(ThumbnailRequest(size: 64), accept: nil)
        #expect {
            try thumbnails.thumbnail(fileID: id, of: file, variant: variant)
        } throws: { error in
            (error as? APIError)?.code == .unsupportedMedia && (error as? APIError)?.message.contains("120×80") == true
        }
        #expect(self.thumbnailFiles(test).isEmpty)
        let text = try put(test, "notes.txt", Array("plain words".utf8))
        let refused = test.request("GET", "/api/files/\(text)/thumbnail")
        #expect(refused.status == 415 && refused.code == 41500)
        #expect(test.request("GET", "/api/files/\(id)/thumbnail?size=65").code == 40000)
        #expect(test.request("GET", "/api/files/\(id)/thumbnail?fit=fill").code == 40000)
    }

    @Test func withoutNginxTheResponderSendsTheThumbnail() throws {
        let test = try InProcessApp { $0.accel = false }
        let id = try put(test, "a.jpg", Self.photo)
        let whole = test.request("GET", "/api/files/\(id)/thumbnail?size=64", headers: ["Accept": "image/avif,image/webp"])
        #expect(whole.status == 200 && whole.header("Content-Type") == "image/avif")
        #expect(whole.header("Vary") == "Accept" && whole.header("Content-Length") == String(whole.body.count))
        #expect(Array(whole.body[4..<12]) == Array("ftypavif".utf8))
        let etag = try #require(whole.header("ETag"))
        let png = test.request("GET", "/api/files/\(id)/thumbnail?size=64&format=png")
        #expect(png.header("ETag") != etag)
        #expect(test.request("GET", "/api/files/\(id)/thumbnail?size=64", headers: ["Accept": "image/avif", "If-None-Match": etag]).status == 304)
    }

    @Test func checkFindsAndRepairsThumbnailsThatDisagreeWithTheirRows() throws {
        let test = try InProcessApp()
        let id = try put(test, "a.jpg", Self.photo)
        #expect(test.request("GET", "/api/files/\(id)/thumbnail?size=64&format=png").status == 200)
        #expect(test.request("GET", "/api/files/\(id)/thumbnail?size=128&format=png").status == 200)
        let rows = try #require(try test.app.persistence.thumbnail(fileID: id, variant: "64-contain-png"))
        let root = test.app.config.storageRoot
        // One row loses its file; a stray file appears with no row.
        #expect(unlink(root + rows.path) == 0)
        let stray = "/.thumbnails/ab/stray-64-contain-png-000.png"
        try FileSystem.makeDirectories(root + "/.thumbnails/ab")
        #expect(FileManager.default.createFile(atPath: root + stray, contents: Data([1, 2, 3])))
        let check = StoreCheck(config: test.app.config, deep: false)
        let report = try check.run()
        #expect(report.problems.contains(.missingThumbnail(path: rows.path, fileID: id)))
        #expect(report.problems.contains(.thumbnailWithoutRow(path: stray)))
        #expect(report.problems.count == 2, "\(report.problems)")
        _ = try check.repair(report, config: test.app.config)
        #expect(try check.run().isConsistent)
        #expect(access(root + stray, F_OK) != 0)
        // The thumbnail whose file was lost is made again on the next request.
        #expect(test.request("GET", "/api/files/\(id)/thumbnail?size=64&format=png").status == 200)
        #expect(try check.run().isConsistent)
    }
}
