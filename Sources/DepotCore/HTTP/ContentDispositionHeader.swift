/// `Content-Disposition` with both an ASCII `filename` fallback and RFC 5987 `filename*`.
package enum ContentDispositionHeader {
    /// - Parameters:
    ///   - inline: `inline` rather than `attachment`.
    ///   - filename: the name to suggest; may be any Unicode.
    package static func make(inline: Bool, filename: String) -> String {
        let disposition = inline ? "inline" : "attachment"
        let name = filename.isEmpty ? "download" : filename
        return "\(disposition); filename=\"\(asciiFallback(name))\"; filename*=UTF-8''\(extendedValue(name))"
    }

    /// Printable ASCII with `"` and `\` escaped; anything else becomes `_` (one per character).
    package static func asciiFallback(_ name: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(name.utf8.count)
        for byte in name.utf8 {
            switch byte {
            case 0x22, 0x5C:
                out.append(UInt8(ascii: "\\"))
                out.append(byte)
            case 0x20...0x7E: out.append(byte)
            case 0x80...0xBF: continue  // UTF-8 continuation: its character already has its `_`
            default: out.append(UInt8(ascii: "_"))
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// RFC 5987 `value-chars`: attr-char kept, every other UTF-8 byte percent-encoded.
    package static func extendedValue(_ name: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(name.utf8.count * 3)
        PercentEncoding.append(name.utf8, to: &out, keeping: isAttrChar)
        return String(decoding: out, as: UTF8.self)
    }

    /// attr-char = ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
    private static func isAttrChar(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "+"),
            UInt8(ascii: "^"), UInt8(ascii: "`"), UInt8(ascii: "|"):
            true
        default:
            PercentEncoding.isUnreserved(byte)
        }
    }
}
