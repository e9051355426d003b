/// Percent-decoding and -encoding over UTF-8 bytes (RFC 3986 §2.1).
package enum PercentEncoding {
    /// Decodes `%XX` escapes; with `plusAsSpace` also `+` (form encoding).
    /// - Returns: the decoded string, or nil when an escape is malformed or the bytes are not UTF-8.
    package static func decode(_ text: String, plusAsSpace: Bool = false) -> String? {
        decode(text[...], plusAsSpace: plusAsSpace)
    }

    /// Decodes `%XX` escapes; with `plusAsSpace` also `+` (form encoding).
    /// - Returns: the decoded string, or nil when an escape is malformed or the bytes are not UTF-8.
    package static func decode(_ text: Substring, plusAsSpace: Bool = false) -> String? {
        // Most values (ids, names) carry no escapes: nothing to decode, and a String is valid UTF-8.
        if !text.utf8.contains(where: { $0 == UInt8(ascii: "%") || (plusAsSpace && $0 == UInt8(ascii: "+")) }) {
            return String(text)
        }
        guard let bytes = decodeBytes(text, plusAsSpace: plusAsSpace) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Decodes `%XX` escapes into raw bytes.
    /// - Returns: nil when an escape is malformed.
    package static func decodeBytes(_ text: Substring, plusAsSpace: Bool = false) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            case UInt8(ascii: "+") where plusAsSpace:
                bytes.append(UInt8(ascii: " "))
            default:
                bytes.append(byte)
            }
        }
        return bytes
    }

    /// Encodes every byte outside RFC 3986's unreserved set (and outside `extra`).
    /// - Parameters:
    ///   - text: the text to encode as UTF-8.
    ///   - keeping: extra ASCII characters left as they are, such as `/` for a path.
    package static func encode(_ text: String, keeping extra: Set<UInt8> = []) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        if extra.isEmpty {
            append(text.utf8, to: &out, keeping: isUnreserved)
        } else {
            append(text.utf8, to: &out) { isUnreserved($0) || extra.contains($0) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `bytes` percent-encoded to `out`, leaving the bytes `keep` accepts as they are.
    package static func append(_ bytes: some Sequence<UInt8>, to out: inout [UInt8], keeping keep: (UInt8) -> Bool) {
        for byte in bytes {
            if keep(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(Hex.upperDigit(byte >> 4))
                out.append(Hex.upperDigit(byte & 0x0F))
            }
        }
    }

    /// RFC 3986 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~".
    package static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
