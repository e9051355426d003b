import DepotCore
import Testing

@Suite struct ConfigParsingTests {
    @Test func parsesSectionsKeysCommentsAndQuotes() throws {
        let document = try INIDocument(parsing: """
            # comment
            [server]
            workers = 8
            ; another comment
            socket = "/run/depot.sock"

            [limits]
            max_file_size=4G\r
            """)
        #expect(document.entries.map(\.key) == ["server.workers", "server.socket", "limits.max_file_size"])
        #expect(document.entries.map(\.value) == ["8", "/run/depot.sock", "4G"])
        #expect(document.entries.map(\.line) == [3, 5, 8])
    }

    @Test(arguments: [
        ("workers = 8", 1, "outside any [section]"),
        ("[server]\nworkers 8", 2, "expected 'key = value'"),
        ("[server\nworkers = 8", 1, "malformed section header"),
        ("[Server]", 1, "invalid section name"),
        ("[server]\nWork-ers = 1", 2, "invalid key"),
    ])
    func syntaxErrorsNameTheLine(text: String, line: Int, reason: String) {
        #expect {
            _ = try INIDocument(parsing: text)
        } throws: { error in
            guard let syntax = error as? INIDocument.SyntaxError else { return false }
            return syntax.line == line && syntax.reason.contains(reason)
        }
    }

    @Test func sizes() {
        #expect(ConfigValue.size("1024") == 1024)
        #expect(ConfigValue.size("16K") == 16384)
        #expect(ConfigValue.size("20M") == 20 << 20)
        #expect(ConfigValue.size("4G") == 4 << 30)
        #expect(ConfigValue.size("4GiB") == 4 << 30)
        #expect(ConfigValue.size("1mb") == 1 << 20)
        #expect(ConfigValue.size("-1") == nil)
        #expect(ConfigValue.size("12X") == nil)
        #expect(ConfigValue.size("99999999999T") == nil)
        #expect(ConfigValue.size("") == nil)
    }

    @Test func boolsSecondsLists() {
        #expect(ConfigValue.bool("on") == true)
        #expect(ConfigValue.bool("No") == false)
        #expect(ConfigValue.bool("maybe") == nil)
        #expect(ConfigValue.seconds("500ms") == 0.5)
        #expect(ConfigValue.seconds("2m") == 120)
        #expect(ConfigValue.seconds("2.5") == 2.5)
        #expect(ConfigValue.seconds("soon") == nil)
        #expect(ConfigValue.list(" a, b/c ,,d ") == ["a", "b/c", "d"])
    }
}

/// Configuration files as operators really save them, and values that used to crash start-up.
@Suite struct ConfigFaultTests {
    @Test func crlfFileStartingWithACommentKeepsEverySetting() throws {
        // Before: CRLF is one Character in Swift, so the whole file was one comment line and
        // auth.token silently vanished (writes open to anyone).
        let text = "# Depot\r\n[auth]\r\ntoken = s3cret\r\n\r\n[storage]\r\nroot = /srv/depot\r\n"
        let document = try INIDocument(parsing: text)
        #expect(document.entries.map(\.key) == ["auth.token", "storage.root"])
        #expect(document.entries.map(\.value) == ["s3cret", "/srv/depot"])
        #expect(document.entries.map(\.line) == [3, 6])
    }

    @Test func byteOrderMarkIsNotPartOfTheFirstLine() throws {
        let document = try INIDocument(parsing: "\u{FEFF}# saved by Notepad\n[auth]\ntoken = t\n")
        #expect(document.entries.map(\.key) == ["auth.token"])
    }

    @Test(arguments: ["/", "", "1.2.3.4/", "/8", "1.2.3.4//8", "+1.2.3.4", "-0::", "010.0.0.1", "1.2.3.4/+8", "1.2.3.4/33",
                      "::/129", "1.2.3.4/-1", "fe80::+1", "1.2.3", "1.2.3.4.5", "1.2.3.4/08x", " 1.2.3.4", "0x7f.0.0.1",
                      "88:8::88%", "fe80::1%eth0", "[::1]", "[::1]/128"])
    func malformedNetworksAreRefused(text: String) {
        #expect(IPAddress.Network(text) == nil, "\(text) was accepted")
    }

    @Test(arguments: ["10.0.0.0/8", "0.0.0.0/0", "127.0.0.1", "fd00::/8", "::/0", "::1", "::ffff:127.0.0.1/128", "10.1.0.0/16"])
    func wellFormedNetworksAreAccepted(text: String) {
        #expect(IPAddress.Network(text) != nil, "\(text) was refused")
    }
}
