/// XML text escaping for SpreadsheetML.
package enum XMLEscaping {
    /// `&`, `<`, `>` as entities; control characters XML cannot hold as `_xHHHH_` (ECMA-376 §22.9.2.19).
    package static func appendText(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout BufferedOutput) {
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "&"): output.append(Array("&amp;".utf8))
            case UInt8(ascii: "<"): output.append(Array("&lt;".utf8))
            case UInt8(ascii: ">"): output.append(Array("&gt;".utf8))
            case 0..<32 where byte != 9 && byte != 10 && byte != 13:
                output.append(Array("_x00".utf8))
                output.append(Hex.upperDigit(byte >> 4))
                output.append(Hex.upperDigit(byte & 0xF))
                output.append(UInt8(ascii: "_"))
            default: output.append(byte)
            }
        }
    }

    /// Escaped text for attributes and small parts.
    package static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
