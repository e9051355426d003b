/// Hexadecimal digits, for digests, signatures, ids and escapes.
package enum Hex {
    /// `0`–`9`, `a`–`f` for a value below 16.
    package static func lowerDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    /// `0`–`9`, `A`–`F` for a value below 16.
    package static func upperDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10
    }

    /// The bytes as lower-case hex, two digits each.
    package static func lowercase(_ bytes: some Collection<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            var index = 0
            for byte in bytes {
                out[index] = lowerDigit(byte >> 4)
                out[index + 1] = lowerDigit(byte & 0xF)
                index += 2
            }
            return index
        }
    }
}
