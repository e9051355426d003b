import DepotApp
import DepotCore
import Foundation
import Testing

/// Downloads by id and by path, signed links and private namespaces, in process: with nginx
/// (X-Accel-Redirect) and without it (the responder sends the bytes, with ranges and ETags).
@Suite struct DownloadHandlerTests {
    private func put(_ test: InProcessApp, _ uri: String, _ text: String) throws -> (id: String, path: String) {
        let response = test.request("PUT", uri, headers: ["Authorization": "Bearer t"], body: Array(text.utf8))
        #expect(response.status == 201, "\(response.text)")
        return (try #require(response.data?["id"]?.stringValue), try #require(response.data?["path"]?.stringValue))
    }

    @Test func byIDAndByPathHandTheBytesToNginx() throws {
        let test = try InProcessApp()
        let (id, path) = try put(test, "/api/uploads/docs/a.txt", "hello")
        let byID = test.request("GET", "/api/files/\(id)")
        #expect(byID.status == 200 && byID.body.isEmpty)
        #expect(byID.header("X-Accel-Redirect") == DownloadPlan.storedLocation + path)
        #expect(byID.header("Content-Type")?.hasPrefix("text/plain") == true)
        let byPath = test.request("GET", "/api/files/path\(path)?download=1")
        #expect(byPath.header("X-Accel-Redirect") == byID.header("X-Accel-Redirect"))
        #expect(byPath.header("Content-Disposition")?.hasPrefix("attachment") == true)
        #expect(test.request("GET", "/api/files/no-such-id").code == 40400)
        #expect(test.request("GET", "/api/files/path/docs/none.txt").code == 40400)
        for hostile in ["/api/files/path/docs/..%2f..%2fetc/passwd", "/api/files/path/docs/%2e%2e/x", "/api/files/path/docs//x"] {
            #expect(test.request("GET", hostile).status == 403, "\(hostile)")
        }
    }

    @Test func withoutNginxRangesAndValidatorsWork() throws {
        let test = try InProcessApp { $0.accel = false }
        let (id, _) = try put(test, "/api/uploads/docs/a.txt", "0123456789")
        let whole = test.request("GET", "/api/files/\(id)")
        #expect(whole.status == 200 && whole.text == "0123456789")
        #expect(whole.header("Content-Length") == "10")
        let etag = try #require(whole.header("ETag"))
        #expect(whole.header("Last-Modified")?.hasSuffix(" GMT") == true)
        let range = test.request("GET", "/api/files/\(id)", headers: ["Range": "bytes=2-4"])
        #expect(range.status == 206 && range.text == "234")
        #expect(range.header("Content-Range") == "bytes 2-4/10")
        #expect(test.request("GET", "/api/files/\(id)", headers: ["Range": "bytes=50-"]).status == 416)
        #expect(test.request("GET", "/api/files/\(id)", headers: ["If-None-Match": etag]).status == 304)
        let head = test.request("HEAD", "/api/files/\(id)")
        #expect(head.status == 200 && head.body.isEmpty && head.header("Content-Length") == "10")
    }

    @Test func privateNamespacesNeedTheTokenOrASignedLink() throws {
        let test = try InProcessApp {
            $0.authToken = "t"
            $0.signingKey = "k"
            $0.privateNamespaces = ["secret"]
        }
        let (id, _) = try put(test, "/api/uploads/secret/a.txt", "x")
        let anonymous = test.request("GET", "/api/files/\(id)")
        #expect(anonymous.status == 401 && anonymous.code == 40100)
        #expect(test.request("GET", "/api/files/\(id)", headers: ["Authorization": "Bearer t"]).status == 200)
        let link = test.request("POST", "/api/files/\(id)/link", headers: ["Authorization": "Bearer t"], body: Array(#"{"ttl": 60}"#.utf8))
        #expect(link.status == 200, "\(link.text)")
        let url = try #require(link.data?["url"]?.stringValue)
        #expect(test.request("GET", url).status == 200)
        #expect(test.request("GET", url.replacingOccurrences(of: "sig=", with: "sig=0")).status == 403)
        #expect(test.request("GET", "/api/files/\(id)?expires=1&sig=00").status == 403)
        for bad in [#"{"ttl": 0}"#, #"{"ttl": "x"}"#, "[1]", "not json"] {
            let response = test.request("POST", "/api/files/\(id)/link", headers: ["Authorization": "Bearer t"], body: Array(bad.utf8))
            #expect(response.status == 400 && response.code == 40000, "\(bad)")
        }
        #expect(test.request("POST", "/api/files/nope/link", headers: ["Authorization": "Bearer t"]).status == 404)
    }
}
