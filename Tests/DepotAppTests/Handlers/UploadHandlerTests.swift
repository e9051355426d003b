import DepotApp
import DepotCore
import DepotSystem
import Foundation
import Testing

/// `POST /api/uploads/{namespace}` and `PUT /api/uploads/{namespace}/{filename}`, in process.
@Suite struct UploadHandlerTests {
    @Test func multipartStoresEveryFileWithItsRowAndEchoesTheFields() throws {
        let test = try InProcessApp()
        let form = InProcessApp.Form {
            $0.field("meta", #"{"shop": 7}"#)
            $0.file("a", filename: "x.png", TestImages.png(width: 3, height: 2))
            $0.file("b", filename: "notes.txt", Array("hello".utf8))
        }
        let response = test.request("POST", "/api/uploads/cms/template", body: form.body, contentType: "multipart/form-data; boundary=\(InProcessApp.Form.boundary)", chunkSize: 7)
        #expect(response.status == 201, "\(response.text)")
        let files = response.data?["files"]?.items ?? []
        #expect(files.count == 2)
        #expect(files.first?["width"]?.intValue == 3 && files.first?["height"]?.intValue == 2)
        #expect(files.first?["content_type"]?.stringValue == "image/png")
        #expect(files.last?["sha256"]?.stringValue == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
        #expect(response.data?["fields"]?["meta"]?["shop"]?.intValue == 7)
        // Each file is where its row says, and its row answers a lookup by id.
        for file in files {
            let path = try #require(file["path"]?.stringValue)
            #expect(path.hasPrefix("/cms/template/"))
            #expect(test.storedFiles().contains(path))
            let id = try #require(file["id"]?.stringValue)
            #expect(try test.app.persistence.file(id: id)?.path == path)
        }
    }

    @Test(arguments: ["cms/", "cms//x", "", "Cms", "..", "a/b/c/d/e"])
    func badNamespacesAre400WithNothingStored(namespace: String) throws {
        let test = try InProcessApp()
        let response = test.upload("/api/uploads/\(namespace)", InProcessApp.Form { $0.file("f", filename: "a.txt", [1]) })
        #expect(response.status == 400 && response.code == 40000, "\(namespace): \(response.status) \(response.text)")
        let put = test.request("PUT", "/api/uploads/\(namespace)/a.txt", body: [1])
        #expect(put.status == 400 && put.code == 40000, "PUT \(namespace): \(put.status)")
        #expect(test.storedFiles().isEmpty)
    }

    /// Past 8 MiB the hash runs on its own thread and, with `uploads.direct_io`, whole blocks skip the
    /// page cache; the odd sizes leave unaligned tails. The stored bytes and hash must not change.
    @Test(arguments: [true, false])
    func largeMultipartAndStreamedPutKeepEveryByte(direct: Bool) throws {
        let test = try InProcessApp { $0.directIO = direct }
        var generator = SystemRandomNumberGenerator()
        let big = (0..<(20 << 20) + 4099).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let hasher = SHA256Hasher()
        big.withUnsafeBytes { hasher.update($0) }
        let expected = hasher.finalizeHex()
        let form = InProcessApp.Form { $0.file("f", filename: "big.bin", big) }
        let posted = test.request(
            "POST", "/api/uploads/big", body: form.body, contentType: "multipart/form-data; boundary=\(InProcessApp.Form.boundary)", chunkSize: 65_531)
        // A raw PUT without nginx's body file streams from the request body.
        let put = test.request("PUT", "/api/uploads/big/raw.bin", body: big, chunkSize: 1_000_003)
        for (response, file) in [(posted, posted.data?["files"]?.items.first), (put, put.data)] {
            #expect(response.status == 201, "\(response.text)")
            #expect(file?["sha256"]?.stringValue == expected && file?["size"]?.intValue == Int64(big.count))
            let path = try #require(file?["path"]?.stringValue)
            #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: test.app.storage.absolute(path)))) == big)
        }
    }

    @Test func putWithAnEmptyFileNameIs400() throws {
        let test = try InProcessApp()
        let response = test.request("PUT", "/api/uploads/cms/", body: [1])
        #expect(response.status == 400 && response.code == 40000, "\(response.status) \(response.text)")
    }

    @Test func malformedMultipartIs40001AndLeavesNoTempFile() throws {
        let test = try InProcessApp()
        let noBoundary = test.request("POST", "/api/uploads/cms", body: Array("x".utf8), contentType: "text/plain")
        #expect(noBoundary.status == 400 && noBoundary.code == 40001)
        var truncated = InProcessApp.Form { $0.file("f", filename: "a.txt", Array("abc".utf8)) }.body
        truncated.removeLast(20)
        let response = test.request("POST", "/api/uploads/cms", body: truncated, contentType: "multipart/form-data; boundary=\(InProcessApp.Form.boundary)")
        #expect(response.status == 400 && response.code == 40001, "\(response.text)")
        #expect(test.storedFiles().isEmpty)
        let temps = try FileManager.default.contentsOfDirectory(atPath: test.app.config.storageRoot + "/.tmp").filter { !$0.hasSuffix(".journal") }
        #expect(temps.isEmpty, "\(temps)")
    }

    @Test func putKeepsTheOriginalNameThenConflictsThenOverwrites() throws {
        let test = try InProcessApp()
        let first = test.request("PUT", "/api/uploads/docs/report.txt?name=original", body: Array("one".utf8))
        #expect(first.status == 201, "\(first.text)")
        let path = try #require(first.data?["path"]?.stringValue)
        #expect(path.hasSuffix("/report.txt"))
        let again = test.request("PUT", "/api/uploads/docs/report.txt?name=original", body: Array("two".utf8))
        #expect(again.status == 409 && again.code == 40900, "\(again.text)")
        let replaced = test.request("PUT", "/api/uploads/docs/report.txt?name=original&overwrite=1", body: Array("three".utf8))
        #expect(replaced.status == 201)
        let bytes = try #require(FileManager.default.contents(atPath: test.app.config.storageRoot + path))
        #expect(String(decoding: bytes, as: UTF8.self) == "three")
        // The old row went with the old bytes: one row names the path, the new one.
        #expect(try test.app.persistence.file(path: path)?.sha256 == replaced.data?["sha256"]?.stringValue)
    }

    @Test func imagesOverThePixelLimitAre413() throws {
        let test = try InProcessApp { $0.maxImagePixels = 100 }
        let response = test.upload("/api/uploads/cms", InProcessApp.Form { $0.file("f", filename: "big.png", TestImages.png(width: 11, height: 10)) })
        #expect(response.status == 413 && response.code == 41300)
        let put = test.request("PUT", "/api/uploads/cms/big.png", body: TestImages.png(width: 4_294_967_295, height: 4_294_967_295))
        #expect(put.status == 413)
        #expect(test.storedFiles().isEmpty)
    }

    @Test func aConfiguredTokenGuardsWritesOnly() throws {
        let test = try InProcessApp { $0.authToken = "s3cret" }
        let refused = test.request("PUT", "/api/uploads/cms/a.txt", body: [1])
        #expect(refused.status == 401 && refused.code == 40100)
        #expect(refused.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
        let wrong = test.request("PUT", "/api/uploads/cms/a.txt", headers: ["Authorization": "Bearer nope"], body: [1])
        #expect(wrong.status == 401)
        let allowed = test.request("PUT", "/api/uploads/cms/a.txt", headers: ["Authorization": "Bearer s3cret"], body: [1])
        #expect(allowed.status == 201)
        #expect(test.request("GET", "/api/healthz").status == 200)
    }

    @Test func aBodyShorterThanItsContentLengthIs40001() throws {
        let test = try InProcessApp()
        var params = ["REQUEST_METHOD": "PUT", "REQUEST_URI": "/api/uploads/cms/a.bin", "CONTENT_LENGTH": "100"]
        params["CONTENT_TYPE"] = "application/octet-stream"
        let output = MemoryOutput()
        test.app.handle(head: RequestHead(params: params), paramsBytes: 80, body: MemoryBody([1, 2, 3]), output: output)
        let response = InProcessResponse(output.bytes, aborted: output.aborted)
        #expect(response.status == 400 && response.code == 40001, "\(response.text)")
        #expect(test.storedFiles().isEmpty)
    }
}
