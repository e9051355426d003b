/// The opaque `cursor` of a keyset-paginated list: where the last page ended, and which list it
/// belongs to (so a cursor of one mall or type is refused on another).
///
/// Encoded as unpadded base64url of `v1:{mall}:{type or *}:{last id}`. Clients must treat it as
/// opaque; the version prefix lets its form change without breaking links saved by clients.
package struct ListCursor: Sendable, Equatable {
    package var mallID: Int64
    package var type: Int64?
    /// The id of the last item already returned: the next page starts below it (newest first).
    package var lastID: Int64

    package init(mallID: Int64, type: Int64?, lastID: Int64) {
        self.mallID = mallID
        self.type = type
        self.lastID = lastID
    }

    package var encoded: String {
        let text = "v1:\(self.mallID):\(self.type.map(String.init) ?? "*"):\(self.lastID)"
        var base64 = Base64.encode(Array(text.utf8))
        base64 = String(base64.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
        while base64.hasSuffix("=") { base64.removeLast() }
        return base64
    }

    /// - Returns: nil for anything this type did not make (bad base64, another version, numbers
    ///   out of range).
    package static func decode(_ text: String) -> ListCursor? {
        guard !text.isEmpty, text.utf8.count <= 128,
            text.utf8.allSatisfy({ $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") })
        else { return nil }
        var base64 = String(text.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        while base64.utf8.count % 4 != 0 { base64.append("=") }
        guard let bytes = Base64.decode(base64), let decoded = String(validating: bytes, as: UTF8.self) else { return nil }
        let fields = decoded.split(separator: ":", omittingEmptySubsequences: false)
        guard fields.count == 4, fields[0] == "v1",
            let mall = Self.number(fields[1]), mall > 0,
            let last = Self.number(fields[3]), last > 0
        else { return nil }
        let type: Int64?
        if fields[2] == "*" {
            type = nil
        } else {
            guard let value = Self.number(fields[2]) else { return nil }
            type = value
        }
        let cursor = ListCursor(mallID: mall, type: type, lastID: last)
        // One spelling per position: other base64 spellings of the same text are refused.
        return cursor.encoded == text ? cursor : nil
    }

    /// Plain decimal digits only: no sign, no spaces, no leading zeros but "0" itself.
    private static func number(_ text: Substring) -> Int64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            text == "0" || text.first != "0"
        else { return nil }
        return Int64(text)
    }
}

extension UInt8 {
    fileprivate var isASCIIAlphanumeric: Bool {
        (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "z")) || (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z"))
            || (self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9"))
    }
}
