import DepotCore
import Foundation
import Testing

@Suite struct FetchPolicyTests {
    @Test(arguments: [
        "127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "100.64.0.1", "169.254.169.254",
        "0.0.0.0", "0.1.2.3", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255", "192.0.2.1", "198.51.100.7",
        "203.0.113.9", "198.18.0.1", "192.0.0.8", "192.88.99.1",
        "::", "::1", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "2001:db8::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
        "::ffff:7f00:1", "::127.0.0.1", "64:ff9b::10.0.0.1", "64:ff9b::7f00:1", "64:ff9b:1::8.8.8.8", "2002:c0a8:101::1",
        "2001::1", "100::1", "fec0::1", "3fff::1",
    ])
    func nonPublicAddressesAreDenied(text: String) throws {
        let address = try #require(IPAddress(text), "\(text) should parse")
        #expect(!address.isPublic, "\(text)")
        #expect(!FetchPolicy().allows(address))
    }

    @Test(arguments: ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "2a00:1450:4001::200e", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "172.32.0.1", "100.128.0.1"])
    func publicAddressesAreAllowed(text: String) throws {
        let address = try #require(IPAddress(text))
        #expect(address.isPublic, "\(text)")
    }

    @Test func allowPrivateAndExplicitNetworks() throws {
        var policy = FetchPolicy()
        policy.allowNetworks = [try #require(IPAddress.Network("127.0.0.2/32")), try #require(IPAddress.Network("fd00::/8"))]
        #expect(policy.allows(IPAddress("127.0.0.2")!))
        #expect(policy.allows(IPAddress("::ffff:127.0.0.2")!))
        #expect(!policy.allows(IPAddress("127.0.0.1")!))
        #expect(policy.allows(IPAddress("fd00::5")!))
        policy.allowPrivate = true
        #expect(policy.allows(IPAddress("127.0.0.1")!))
        #expect(IPAddress.Network("10.0.0.0/33") == nil)
        #expect(IPAddress.Network("nonsense") == nil)
    }

    @Test func urlRules() throws {
        let policy = FetchPolicy()
        #expect(try policy.check(url: "https://example.com/a.png").get().host == "example.com")
        #expect(policy.check(url: "file:///etc/passwd") == .failure(.scheme("file")))
        #expect(policy.check(url: "gopher://x/") == .failure(.scheme("gopher")))
        #expect(policy.check(url: "ftp://example.com/x") == .failure(.scheme("ftp")))
        #expect(policy.check(url: "https://user:pw@example.com/") == .failure(.credentialsInURL))
        #expect(policy.check(url: "not a url") == .failure(.badURL))
        #expect(policy.check(url: "http:///nohost") == .failure(.badURL))
    }

    @Test func redirectsAreCountedRecheckedAndLoopFree() throws {
        let policy = FetchPolicy()
        var state = RedirectState(start: URL(string: "https://a.example/start")!, policy: policy)
        #expect(try state.follow(location: "/next").get().absoluteString == "https://a.example/next")
        #expect(try state.follow(location: "https://b.example/x?y=1").get().host == "b.example")
        #expect(state.follow(location: "file:///etc/passwd") == .failure(.scheme("file")))
        var looping = RedirectState(start: URL(string: "https://a.example/1")!, policy: policy)
        _ = looping.follow(location: "/2")
        #expect(looping.follow(location: "/1") == .failure(.redirectLoop))
        var long = RedirectState(start: URL(string: "https://a.example/0")!, policy: policy)
        for index in 1...5 { #expect((try? long.follow(location: "/\(index)").get()) != nil) }
        #expect(long.follow(location: "/6") == .failure(.tooManyRedirects))
        var empty = RedirectState(start: URL(string: "https://a.example/0")!, policy: policy)
        #expect(empty.follow(location: nil) == .failure(.badRedirect))
    }

    @Test func contentLengthCapIsInclusive() {
        var policy = FetchPolicy()
        policy.maxBytes = 100
        #expect(policy.allows(contentLength: 100))
        #expect(!policy.allows(contentLength: 101))
    }

    @Test func logsNeverCarryCredentialsOrQueries() {
        #expect(redactedURL("https://u:secret@host.example/p?token=abc#frag") == "https://host.example/p?%E2%80%A6")
    }
}
