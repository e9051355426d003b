import DepotCore
import Testing

@Suite struct RequestHeadTests {
    @Test func splitsURIAndDecodesQueryAndHeaders() {
        let head = RequestHead(params: [
            "REQUEST_METHOD": "POST", "REQUEST_URI": "/api/x/%2e%2e?name=a+b%20c&flag&bad=%zz",
            "HTTP_X_FORWARDED_FOR": "1.2.3.4", "CONTENT_TYPE": "multipart/form-data; boundary=x", "CONTENT_LENGTH": "12",
        ])
        #expect(head.method == .post)
        #expect(head.rawPath == "/api/x/%2e%2e")
        #expect(head.queryValue("name") == "a b c")
        #expect(head.queryValue("flag") == "")
        #expect(head.query.first { $0.name == "bad" }?.value == nil)
        #expect(head.headers["x-forwarded-for"] == "1.2.3.4")
        #expect(head.headers["content-type"] == "multipart/form-data; boundary=x")
        #expect(head.contentLength == 12)
    }

    @Test func fallsBackToCGIVariablesWithoutRequestURI() {
        let head = RequestHead(params: ["REQUEST_METHOD": "GET", "SCRIPT_NAME": "/api", "PATH_INFO": "/healthz", "QUERY_STRING": "a=1"])
        #expect(head.rawPath == "/api/healthz")
        #expect(head.queryValue("a") == "1")
    }

    @Test func builderReadsRawPairsAndKeepsOnlyWhatDepotUses() {
        var builder = RequestHeadBuilder()
        let pairs = [
            ("REQUEST_METHOD", "PUT"), ("REQUEST_URI", "/api/uploads/ns/a%20b.txt?overwrite=1"), ("SERVER_SOFTWARE", "nginx/1.22"),
            ("HTTP_AUTHORIZATION", "Bearer t"), ("HTTP_X_REAL_IP", "10.0.0.1"), ("CONTENT_LENGTH", "5"), ("CONTENT_TYPE", ""),
            ("DEPOT_BODY_FILE", "/var/tmp/0000001"),
        ]
        for (name, value) in pairs {
            Array(name.utf8).withUnsafeBytes { nameBytes in
                Array(value.utf8).withUnsafeBytes { valueBytes in builder.add(name: nameBytes, value: valueBytes) }
            }
        }
        let head = builder.build()
        #expect(head.method == .put)
        #expect(head.rawPath == "/api/uploads/ns/a%20b.txt")
        #expect(head.queryValue("overwrite") == "1")
        #expect(head.headers == ["authorization": "Bearer t", "x-real-ip": "10.0.0.1", "content-length": "5"])
        #expect(head.bodyFile == "/var/tmp/0000001")
        #expect(RequestHead(params: ["REQUEST_URI": "/x"]).bodyFile == nil)
    }

    @Test func percentEncodingRoundTrips() {
        #expect(PercentEncoding.encode("报表 90%.xlsx") == "%E6%8A%A5%E8%A1%A8%2090%25.xlsx")
        #expect(PercentEncoding.decode("%E6%8A%A5%E8%A1%A8%2090%25.xlsx") == "报表 90%.xlsx")
        #expect(PercentEncoding.decode("%") == nil)
        #expect(PercentEncoding.decode("%ff") == nil)  // not UTF-8
        #expect(PercentEncoding.encode("a/b c", keeping: [UInt8(ascii: "/")]) == "a/b%20c")
        #expect(PercentEncoding.decode("plain-id_1.png") == "plain-id_1.png")
        #expect(PercentEncoding.decode("a+b", plusAsSpace: true) == "a b")
        #expect(PercentEncoding.decode("a+b") == "a+b")
    }

    @Test func constantTimeEquality() {
        #expect(ConstantTime.equals(Array("token".utf8), Array("token".utf8)))
        #expect(!ConstantTime.equals(Array("token".utf8), Array("tokem".utf8)))
        #expect(!ConstantTime.equals(Array("token".utf8), Array("token2".utf8)))
        #expect(!ConstantTime.equals([UInt8](), Array("a".utf8)))
    }

    @Test func jsonSerialisesEscapesAndParses() throws {
        let value: JSONValue = ["a": "x\"\n\u{01}中", "b": [1, true, nil], "c": .double(1.5)]
        #expect(value.serialized == #"{"a":"x\"\n\u0001中","b":[1,true,null],"c":1.5}"#)
        let parsed = try JSONValue.parse(Array(#"{"n": 3, "f": 2.5, "s": "t", "o": {"k": false}}"#.utf8))
        #expect(parsed["n"] == .int(3))
        #expect(parsed["f"] == .double(2.5))
        #expect(parsed["o"]?["k"] == .bool(false))
        #expect(throws: JSONValue.ParseError.self) { _ = try JSONValue.parse(Array("{nope".utf8)) }
    }
}
