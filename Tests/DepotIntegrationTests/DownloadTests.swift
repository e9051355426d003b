import FastCGITestSupport
import Foundation
import Testing

@Suite("Downloads over FastCGI")
struct DownloadTests {
    /// Uploads one file and returns its FILE object.
    func upload(_ responder: ResponderProcess, namespace: String = "docs", name: String, _ bytes: [UInt8], token: String? = nil) throws -> [String: Any] {
        var form = MultipartBodyBuilder()
        form.file("f", filename: name, bytes)
        let headers = token.map { [("Authorization", "Bearer \($0)")] } ?? []
        let response = try responder.client.send(method: "POST", uri: "/api/uploads/\(namespace)", body: form.finished(), contentType: form.contentType, headers: headers)
        #expect(response.status == 201, "\(response.text)")
        return (data(response)["files"] as? [[String: Any]])?.first ?? [:]
    }

    @Test func xAccelAnswerCarriesTheHeadersAndNoBody() throws {
        try withResponder { responder in
            let file = try upload(responder, name: "报表 90%.xlsx", Array("PK-not-really".utf8))
            let id = file["id"] as? String ?? ""
            let response = try responder.client.send(uri: "/api/files/\(id)")
            #expect(response.status == 200)
            #expect(response.body.isEmpty)
            let path = file["path"] as? String ?? ""
            #expect(response.header("X-Accel-Redirect") == "/_stored" + path)
            #expect(response.header("Content-Disposition") == "attachment; filename=\"__ 90%.xlsx\"; filename*=UTF-8''%E6%8A%A5%E8%A1%A8%2090%25.xlsx")
            #expect(response.header("Content-Type") == "text/plain; charset=utf-8")
            let byPath = try responder.client.send(uri: "/api/files/path\(path)?download=1")
            #expect(byPath.header("X-Accel-Redirect") == response.header("X-Accel-Redirect"))
            let html = try upload(responder, name: "page.png", Array("<!DOCTYPE html><script>x</script>".utf8))
            let active = try responder.client.send(uri: "/api/files/\(html["id"] as? String ?? "")")
            #expect(active.header("X-Accel-Redirect")?.hasPrefix("/_stored_sandboxed/") == true)
            #expect(active.header("Content-Disposition")?.hasPrefix("attachment;") == true)
            #expect(try responder.client.send(uri: "/api/files/nope").status == 404)
            for hostile in ["/api/files/path/docs/%2e%2e/x", "/api/files/path/docs/../../etc/passwd", "/api/files/path/a/%2Fetc"] {
                #expect(try responder.client.send(uri: hostile).status == 403, "\(hostile)")
            }
        }
    }

    @Test func standaloneServingWithRangeAndETag() throws {
        try withResponder(environment: ["DEPOT_DOWNLOADS_ACCEL": "false"]) { responder in
            let bytes = [UInt8]((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
            let file = try upload(responder, name: "data.bin", bytes)
            let uri = "/api/files/\(file["id"] as? String ?? "")"
            let whole = try responder.client.send(uri: uri)
            #expect(whole.status == 200)
            #expect(whole.body == bytes)
            #expect(whole.header("Content-Length") == String(bytes.count))
            #expect(whole.header("X-Content-Type-Options") == "nosniff")
            let etag = try #require(whole.header("ETag"))
            let range = try responder.client.send(uri: uri, headers: [("Range", "bytes=100-199")])
            #expect(range.status == 206)
            #expect(range.body == Array(bytes[100...199]))
            #expect(range.header("Content-Range") == "bytes 100-199/200000")
            let suffix = try responder.client.send(uri: uri, headers: [("Range", "bytes=-5")])
            #expect(suffix.body == Array(bytes.suffix(5)))
            let beyond = try responder.client.send(uri: uri, headers: [("Range", "bytes=300000-")])
            #expect(beyond.status == 416 && beyond.header("Content-Range") == "bytes */200000")
            let cached = try responder.client.send(uri: uri, headers: [("If-None-Match", etag)])
            #expect(cached.status == 304 && cached.body.isEmpty)
            let head = try responder.client.send(method: "HEAD", uri: uri)
            #expect(head.status == 200 && head.body.isEmpty && head.header("Content-Length") == String(bytes.count))
            let html = try upload(responder, name: "x.html", Array("<html><script>1</script></html>".utf8))
            let active = try responder.client.send(uri: "/api/files/\(html["id"] as? String ?? "")")
            #expect(active.header("Content-Security-Policy") == "sandbox")
        }
    }

    @Test func signedLinksAndPrivateNamespaces() throws {
        let env = ["DEPOT_AUTH_TOKEN": "tok", "DEPOT_AUTH_SIGNING_KEY": "sign-key", "DEPOT_AUTH_PRIVATE_NAMESPACES": "private"]
        try withResponder(environment: env) { responder in
            let secret = try upload(responder, namespace: "private/deep", name: "s.txt", Array("secret".utf8), token: "tok")
            let open = try upload(responder, namespace: "public", name: "p.txt", Array("open".utf8), token: "tok")
            let id = secret["id"] as? String ?? ""
            let anonymous = try responder.client.send(uri: "/api/files/\(id)")
            #expect(anonymous.status == 401 && anonymous.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
            #expect(try responder.client.send(uri: "/api/files/\(id)", headers: [("Authorization", "Bearer tok")]).status == 200)
            #expect(try responder.client.send(uri: "/api/files/\(open["id"] as? String ?? "")").status == 200)

            let noToken = try responder.client.send(method: "POST", uri: "/api/files/\(id)/link", body: Array(#"{"ttl": 60}"#.utf8), contentType: "application/json")
            #expect(noToken.status == 401)
            let made = try responder.client.send(
                method: "POST", uri: "/api/files/\(id)/link", body: Array(#"{"ttl": 60}"#.utf8), contentType: "application/json", headers: [("Authorization", "Bearer tok")])
            #expect(made.status == 200)
            let url = try #require(data(made)["url"] as? String)
            #expect(url.hasPrefix("/api/files/\(id)?expires="))
            #expect(try responder.client.send(uri: url).status == 200)
            #expect(try responder.client.send(method: "HEAD", uri: url).status == 200)
            let tampered = url.replacingOccurrences(of: "sig=", with: "sig=0")
            #expect(try responder.client.send(uri: String(tampered.dropLast())).status == 403)
            let otherFile = url.replacingOccurrences(of: id, with: open["id"] as? String ?? "")
            #expect(try responder.client.send(uri: otherFile).status == 403)
            let extended = url.replacingOccurrences(of: "expires=", with: "expires=9")
            #expect(try responder.client.send(uri: extended).status == 403)
            // Expired: a link made with a 1 s ttl, used after it ran out.
            let short = try responder.client.send(
                method: "POST", uri: "/api/files/\(id)/link", body: Array(#"{"ttl": 1}"#.utf8), contentType: "application/json", headers: [("Authorization", "Bearer tok")])
            let shortURL = try #require(data(short)["url"] as? String)
            sleep(2)
            let expired = try responder.client.send(uri: shortURL)
            #expect(expired.status == 403 && (expired.json?["msg"] as? String)?.contains("expired") == true)
            for bad in [#"{"ttl": 0}"#, #"{"ttl": "x"}"#, "[1]", "{"] {
                let response = try responder.client.send(method: "POST", uri: "/api/files/\(id)/link", body: Array(bad.utf8), contentType: "application/json", headers: [("Authorization", "Bearer tok")])
                #expect(response.status == 400, "\(bad)")
            }
        }
    }
}
