import DepotCore
import Testing

@Suite struct ListCursorTests {
    @Test func roundTripsAndIsURLSafe() {
        for cursor in [
            ListCursor(mallID: 1, type: nil, lastID: 1), ListCursor(mallID: 7, type: 2, lastID: 123_456_789),
            ListCursor(mallID: Int64.max, type: 0, lastID: Int64.max),
        ] {
            let text = cursor.encoded
            #expect(text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }, "\(text)")
            #expect(ListCursor.decode(text) == cursor)
        }
    }

    @Test func refusesWhatItDidNotMake() {
        func encode(_ text: String) -> String {
            String(Base64.encode(Array(text.utf8)).map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 }.filter { $0 != "=" })
        }
        let good = ListCursor(mallID: 7, type: 0, lastID: 42).encoded
        for bad in [
            "", "abc", good + "=", good + "A", String(good.dropLast(3)), "ab/c", "ab+c", "ab c",
            encode("v2:7:0:42"), encode("v1:7:0"), encode("v1:7:0:42:1"), encode("v1:0:0:42"), encode("v1:7:0:0"),
            encode("v1:-7:0:42"), encode("v1:7:x:42"), encode("v1:07:0:42"), encode("v1: 7:0:42"), encode("v1:7:0:99999999999999999999"),
            encode("v1:7::42"), String(repeating: "A", count: 200),
        ] {
            #expect(ListCursor.decode(bad) == nil, "\(bad)")
        }
    }
}
