import DepotApp
import DepotCore
import Foundation
import Testing

/// `POST /api/fetch` and `POST /api/users/{openid}/avatar`, in process. Only the refusals are
/// tested here (no network in unit tests); the e2e suite fetches from a real local server.
@Suite struct FetchHandlerTests {
    @Test func bodiesMustBeJSONObjectsWithAURL() throws {
        let test = try InProcessApp()
        for body in ["", "[]", "nope", #"{"url": ""}"#, #"{"namespace": "x"}"#] {
            let response = test.request("POST", "/api/fetch", body: Array(body.utf8), contentType: "application/json")
            #expect(response.status == 400 && response.code == 40000, "\(body): \(response.text)")
        }
        let badNamespace = test.request("POST", "/api/fetch", body: Array(#"{"url": "http://example.com/", "namespace": "A/../b"}"#.utf8))
        #expect(badNamespace.status == 400)
        #expect(test.request("POST", "/api/users/bad%20id/avatar", body: Array(#"{"avatarUrl": "http://x/"}"#.utf8)).status == 400)
        #expect(test.request("POST", "/api/users/abc/avatar", body: Array("{}".utf8)).status == 400)
    }

    @Test func privateAddressesAreRefusedAs53003AndNothingIsStored() throws {
        let test = try InProcessApp()
        let fetched = test.request("POST", "/api/fetch", body: Array(#"{"url": "http://127.0.0.1:9/x.png"}"#.utf8))
        #expect(fetched.status == 502 && fetched.code == 53003 && fetched.json?["msg"]?.stringValue == "download failed")
        let avatar = test.request("POST", "/api/users/abc/avatar", body: Array(#"{"avatarUrl": "http://10.0.0.1/a.png"}"#.utf8))
        #expect(avatar.status == 502 && avatar.json?["msg"]?.stringValue == "download avatar failed")
        let scheme = test.request("POST", "/api/fetch", body: Array(#"{"url": "file:///etc/passwd"}"#.utf8))
        #expect(scheme.code == 53003)
        #expect(test.storedFiles().isEmpty)
    }
}
