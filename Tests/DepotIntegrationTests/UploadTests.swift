import FastCGITestSupport
import Foundation
import Testing

/// Every regular file under the storage root (the .tmp folder included), relative.
func storedFiles(_ responder: ResponderProcess) -> [String] {
    let root = responder.directory + "/storage"
    guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
    var files: [String] = []
    while let item = enumerator.nextObject() as? String {
        // The responder's own journal and the health probe are infrastructure, not stored files.
        if item.hasPrefix(".tmp/") && (item.hasSuffix(".journal") || item.hasSuffix(".healthz-probe")) { continue }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: root + "/" + item, isDirectory: &isDirectory), !isDirectory.boolValue { files.append(item) }
    }
    return files.sorted()
}

func sha256Hex(_ bytes: [UInt8]) throws -> String {
    let path = NSTemporaryDirectory() + "sha-\(UUID().uuidString)"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    process.arguments = [path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return String(output.prefix(64))
}

func data(_ response: FastCGIResponse) -> [String: Any] { response.json?["data"] as? [String: Any] ?? [:] }

@Suite("Uploads over FastCGI")
struct UploadTests {
    func post(_ responder: ResponderProcess, _ uri: String, _ builder: MultipartBodyBuilder) throws -> FastCGIResponse {
        try responder.client.send(method: "POST", uri: uri, body: builder.finished(), contentType: builder.contentType)
    }

    @Test func filesAndFieldsInOneRequest() throws {
        try withResponder { responder in
            var form = MultipartBodyBuilder()
            form.field("meta", #"{"shop": 7, "tags": ["a"]}"#, contentType: "application/json")
            form.field("tag", "x")
            form.field("tag", "y")
            form.field("obj", #"[1, 2]"#)
            form.file("img", filename: "photo.jpeg", contentType: "text/plain", SampleFiles.png3x2)
            let text = Array("hello, 世界\n".utf8)
            form.file("doc", filename: "notes.TXT", text)
            let response = try post(responder, "/api/uploads/cms/template", form)
            #expect(response.status == 201, "\(response.text)")
            let files = data(response)["files"] as? [[String: Any]] ?? []
            #expect(files.count == 2)
            let image = files.first { $0["field"] as? String == "img" } ?? [:]
            #expect(image["format"] as? String == "png")
            #expect(image["content_type"] as? String == "image/png")
            #expect(image["width"] as? Int == 3 && image["height"] as? Int == 2)
            #expect(image["origin_filename"] as? String == "photo.jpeg")
            #expect(image["sha256"] as? String == (try sha256Hex(SampleFiles.png3x2)))
            let path = image["path"] as? String ?? ""
            #expect(path.hasPrefix("/cms/template/") && path.hasSuffix(".png"))
            #expect(image["url"] as? String == "/api/files/\(image["id"] as? String ?? "")")
            let stored = try Data(contentsOf: URL(fileURLWithPath: responder.directory + "/storage" + path))
            #expect(Array(stored) == SampleFiles.png3x2)
            let doc = files.first { $0["field"] as? String == "doc" } ?? [:]
            #expect((doc["path"] as? String)?.hasSuffix(".txt") == true)
            #expect(doc["width"] is NSNull)
            #expect(doc["size"] as? Int == text.count)
            let fields = data(response)["fields"] as? [String: Any] ?? [:]
            #expect((fields["meta"] as? [String: Any])?["shop"] as? Int == 7)
            #expect(fields["tag"] as? [String] == ["x", "y"])
            #expect(fields["obj"] as? [Int] == [1, 2])
            #expect(!storedFiles(responder).contains { $0.hasPrefix(".tmp/") })
        }
    }

    @Test(arguments: [
        "..", "%2e%2e", "Cms", "a//b", "a%2Fb", "a\\b", "a/b/c/d/e", String(repeating: "x", count: 65), "a.b", "%E4%B8%AD", "cms/", "cms//x", "",
        "/cms",
    ])
    func hostileNamespacesAre400(namespace: String) throws {
        try withResponder { responder in
            var form = MultipartBodyBuilder()
            form.file("f", filename: "a.txt", Array("x".utf8))
            let response = try post(responder, "/api/uploads/\(namespace)", form)
            #expect(response.status == 400, "\(namespace): \(response.status)")
            #expect(response.json?["code"] as? Int == 40000, "\(namespace)")
            #expect(storedFiles(responder).isEmpty)
        }
    }

    @Test func originalNamesAreSanitisedAndConflictsAre409() throws {
        try withResponder { responder in
            let hostile: [(String, String)] = [
                ("../../etc/passwd", "passwd"), ("C:\\\\x\\\\a.txt", "a.txt"), ("evil\u{202E}gnp.exe", "evilgnp.exe"),
                ("tab\there.txt", "tabhere.txt"), (String(repeating: "名", count: 100) + ".png", String(repeating: "名", count: 83) + ".png"),
            ]
            for (raw, expected) in hostile {
                var form = MultipartBodyBuilder()
                form.file("f", filename: raw, Array("data".utf8))
                let response = try post(responder, "/api/uploads/named?name=original", form)
                #expect(response.status == 201, "\(raw): \(response.text)")
                let file = (data(response)["files"] as? [[String: Any]])?.first ?? [:]
                let path = file["path"] as? String ?? ""
                #expect((path as NSString).lastPathComponent == expected, "\(raw) → \(path)")
                #expect(path.utf8.count - (path as NSString).deletingLastPathComponent.utf8.count - 1 <= 255)
            }
            var first = MultipartBodyBuilder()
            first.file("f", filename: "report.csv", Array("v1".utf8))
            #expect(try post(responder, "/api/uploads/named?name=original", first).status == 201)
            var second = MultipartBodyBuilder()
            second.file("f", filename: "other.csv", Array("keep".utf8))
            second.file("f", filename: "report.csv", Array("v2".utf8))
            let conflict = try post(responder, "/api/uploads/named?name=original", second)
            #expect(conflict.status == 409)
            #expect(envelopeCode(conflict) == 40900)
            // All or nothing: other.csv of the failed request was not kept.
            #expect(!storedFiles(responder).contains { $0.hasSuffix("/other.csv") })
            let replaced = try post(responder, "/api/uploads/named?name=original&overwrite=1", second)
            #expect(replaced.status == 201)
            let path = ((data(replaced)["files"] as? [[String: Any]])?.last?["path"] as? String) ?? ""
            #expect(try String(contentsOfFile: responder.directory + "/storage" + path, encoding: .utf8) == "v2")
        }
    }

    @Test func limitsRefuseTheRequestAndKeepNothing() throws {
        try withResponder(environment: ["DEPOT_LIMITS_MAX_FILES": "2", "DEPOT_LIMITS_MAX_FILE_SIZE": "1K", "DEPOT_LIMITS_MAX_FIELD_SIZE": "16"]) { responder in
            var three = MultipartBodyBuilder()
            for index in 0..<3 { three.file("f", filename: "\(index).bin", [UInt8(index)]) }
            let tooMany = try post(responder, "/api/uploads/x", three)
            #expect(tooMany.status == 413 && envelopeCode(tooMany) == 41300)
            var big = MultipartBodyBuilder()
            big.file("f", filename: "ok.bin", [1])
            big.file("f", filename: "big.bin", [UInt8](repeating: 9, count: 1025))
            #expect(try post(responder, "/api/uploads/x", big).status == 413)
            var field = MultipartBodyBuilder()
            field.field("note", String(repeating: "n", count: 17))
            #expect(try post(responder, "/api/uploads/x", field).status == 413)
            #expect(storedFiles(responder).isEmpty, "\(storedFiles(responder))")
        }
    }

    @Test func malformedAndTruncatedBodiesAre400AndKeepNothing() throws {
        try withResponder { responder in
            let plain = try responder.client.send(method: "POST", uri: "/api/uploads/x", body: Array("{}".utf8), contentType: "application/json")
            #expect(plain.status == 400 && envelopeCode(plain) == 40001)
            var form = MultipartBodyBuilder()
            form.file("f", filename: "a.bin", [UInt8](repeating: 1, count: 100_000))
            let whole = form.finished()
            let cut = Array(whole.prefix(whole.count - 40))
            let truncated = try responder.client.send(method: "POST", uri: "/api/uploads/x", body: cut, contentType: form.contentType)
            #expect(truncated.status == 400 && envelopeCode(truncated) == 40001)
            let lfOnly = Array("--b\nContent-Disposition: form-data; name=\"f\"; filename=\"a\"\n\nx\n--b--\n".utf8)
            #expect(try responder.client.send(method: "POST", uri: "/api/uploads/x", body: lfOnly, contentType: "multipart/form-data; boundary=b").status == 400)
            // A client that goes away mid-upload.
            let fd = try responder.client.connect()
            let params = FastCGIClient.nginxParams(method: "POST", uri: "/api/uploads/x", body: whole.count, contentType: form.contentType)
            var bytes = FastCGIRecord.beginRequest()
            bytes += FastCGIRecord.encodeStream(type: .params, bytes: FastCGIRecord.encodePairs(params))
            bytes += FastCGIRecord.encodeStream(type: .stdin, bytes: Array(whole.prefix(50_000)), close: false)
            try FastCGIClient.writeAll(fd, bytes)
            usleep(200_000)
            close(fd)
            #expect(try responder.client.send(uri: "/api/healthz").status == 200)
            usleep(200_000)
            #expect(storedFiles(responder).isEmpty, "\(storedFiles(responder))")
        }
    }

    @Test func materialsLibrary() throws {
        try withResponder { responder in
            var form = MultipartBodyBuilder()
            form.file("files", filename: "shop.png", SampleFiles.png3x2)
            form.file("files", filename: "fake.png", contentType: "image/png", SampleFiles.html)
            form.file("files", filename: "jingle.mp3", SampleFiles.mp3)
            let response = try post(responder, "/api/malls/42/materials", form)
            #expect(response.status == 200, "\(response.text)")
            let entries = response.json?["data"] as? [[String: Any]] ?? []
            #expect(entries.count == 3)
            #expect(entries[0]["success"] as? Bool == true && entries[0]["material_type"] as? Int == 0)
            #expect(entries[0]["width"] as? Int == 3 && entries[0]["height"] as? Int == 2 && entries[0]["format"] as? String == "png")
            #expect((entries[0]["base_path"] as? String)?.hasPrefix("/mall/") == true)
            #expect(entries[0]["mall_id"] as? Int == 42)
            #expect(entries[1]["success"] as? Bool == false && entries[1]["origin_filename"] as? String == "fake.png")
            #expect(entries[2]["success"] as? Bool == true && entries[2]["material_type"] as? Int == 2 && entries[2]["format"] as? String == "mp3")
            #expect(storedFiles(responder).count == 2)

            let list = try responder.client.send(uri: "/api/malls/42/materials?limit=1")
            #expect(data(list)["total"] as? Int == 2)
            let items = data(list)["items"] as? [[String: Any]] ?? []
            #expect(items.count == 1 && items[0]["format"] as? String == "mp3")  // newest first
            #expect(data(try responder.client.send(uri: "/api/malls/42/materials?type=0"))["total"] as? Int == 1)
            #expect(data(try responder.client.send(uri: "/api/malls/41/materials"))["total"] as? Int == 0)
            #expect(try responder.client.send(uri: "/api/malls/0/materials").status == 400)
            #expect(try responder.client.send(uri: "/api/malls/42/materials?limit=9999").status == 400)

            let id = entries[0]["id"] as? Int ?? 0
            #expect(data(try responder.client.send(uri: "/api/materials/\(id)"))["base_path"] as? String == entries[0]["base_path"] as? String)
            let deleted = try responder.client.send(method: "DELETE", uri: "/api/materials/\(id)")
            #expect(deleted.status == 200)
            #expect(try responder.client.send(uri: "/api/materials/\(id)").status == 404)
            #expect(try responder.client.send(method: "DELETE", uri: "/api/materials/\(id)").status == 404)
            #expect(storedFiles(responder).count == 1)
            let notMultipart = try responder.client.send(method: "POST", uri: "/api/malls/42/materials", body: [1, 2], contentType: "image/png")
            #expect(notMultipart.status == 400 && envelopeCode(notMultipart) == 40001)
        }
    }

    @Test func decompressionBombIsRefused() throws {
        try withResponder(environment: ["DEPOT_LIMITS_MAX_IMAGE_PIXELS": "5"]) { responder in
            var form = MultipartBodyBuilder()
            form.file("f", filename: "a.png", SampleFiles.png3x2)
            #expect(try post(responder, "/api/uploads/x", form).status == 413)
            let materials = try post(responder, "/api/malls/1/materials", form)
            #expect((materials.json?["data"] as? [[String: Any]])?.first?["success"] as? Bool == false)
            #expect(storedFiles(responder).isEmpty)
        }
    }

    @Test func rawPut() throws {
        try withResponder { responder in
            let body = [UInt8]((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            let response = try responder.client.send(method: "PUT", uri: "/api/uploads/raw/bulk/%E6%8A%A5%E8%A1%A8.bin", body: body)
            #expect(response.status == 201, "\(response.text)")
            let file = data(response)
            #expect(file["origin_filename"] as? String == "报表.bin")
            #expect(file["size"] as? Int == body.count)
            #expect(file["sha256"] as? String == (try sha256Hex(body)))
            #expect((file["path"] as? String)?.hasPrefix("/raw/bulk/") == true)
            let again = try responder.client.send(method: "PUT", uri: "/api/uploads/raw/bulk/same.bin?name=original", body: [1])
            #expect(again.status == 201)
            #expect(try responder.client.send(method: "PUT", uri: "/api/uploads/raw/bulk/same.bin?name=original", body: [2]).status == 409)
            #expect(try responder.client.send(method: "PUT", uri: "/api/uploads/raw/bulk/same.bin?name=original&overwrite=1", body: [3]).status == 201)
            #expect(!storedFiles(responder).contains { $0.hasPrefix(".tmp/") })
        }
    }
}

@Suite("Offloaded request bodies")
struct OffloadTests {
    @Test func aMultipartBodyFileInsideNginxsTempDirIsParsedOneOutsideIsRefused() throws {
        let nginxTemp = NSTemporaryDirectory() + "depot-nginx-temp-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: nginxTemp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: nginxTemp) }
        try withResponder(environment: ["DEPOT_NGINX_BODY_TEMP_DIR": nginxTemp]) { responder in
            var form = MultipartBodyBuilder()
            form.file("f", filename: "a.png", SampleFiles.png3x2)
            let body = form.finished()
            let inside = nginxTemp + "/0000000001"
            try Data(body).write(to: URL(fileURLWithPath: inside))
            // nginx sends no body on stdin in offload mode, only the file's path.
            func send(_ path: String) throws -> FastCGIResponse {
                let fd = try responder.client.connect()
                defer { close(fd) }
                var params = FastCGIClient.nginxParams(method: "POST", uri: "/api/uploads/off", body: body.count, contentType: form.contentType)
                params.append(("DEPOT_BODY_FILE", path))
                var bytes = FastCGIRecord.beginRequest()
                bytes += FastCGIRecord.encodeStream(type: .params, bytes: FastCGIRecord.encodePairs(params))
                bytes += FastCGIRecord.encodeStream(type: .stdin, bytes: [])
                try FastCGIClient.writeAll(fd, bytes)
                return try responder.client.readResponse(fd)
            }
            let ok = try send(inside)
            #expect(ok.status == 201, "\(ok.text)")
            #expect(((data(ok)["files"] as? [[String: Any]])?.first?["width"] as? Int) == 3)
            let outside = responder.directory + "/elsewhere.body"
            try Data(body).write(to: URL(fileURLWithPath: outside))
            let refused = try send(outside)
            #expect(refused.status == 403 && envelopeCode(refused) == 40300)
            let sneaky = try send(nginxTemp + "/../" + (outside as NSString).lastPathComponent)
            #expect(sneaky.status == 403)
        }
    }
}
