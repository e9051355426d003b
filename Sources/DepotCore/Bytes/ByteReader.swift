/// Bounds-checked integer reads with explicit endianness over a byte prefix.
package struct ByteReader: Sendable {
    package let bytes: ArraySlice<UInt8>

    package init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }
    package init(_ bytes: [UInt8]) { self.bytes = bytes[...] }

    package var count: Int { self.bytes.count }

    /// The byte at `offset` from the start, or nil past the end.
    package func byte(_ offset: Int) -> UInt8? {
        guard offset >= 0, offset < self.bytes.count else { return nil }
        return self.bytes[self.bytes.startIndex + offset]
    }

    package func uint16(_ offset: Int, bigEndian: Bool) -> UInt16? {
        guard let a = byte(offset), let b = byte(offset + 1) else { return nil }
        return bigEndian ? UInt16(a) << 8 | UInt16(b) : UInt16(b) << 8 | UInt16(a)
    }

    package func uint24le(_ offset: Int) -> UInt32? {
        guard let a = byte(offset), let b = byte(offset + 1), let c = byte(offset + 2) else { return nil }
        return UInt32(c) << 16 | UInt32(b) << 8 | UInt32(a)
    }

    package func uint32(_ offset: Int, bigEndian: Bool) -> UInt32? {
        guard let high = uint16(offset, bigEndian: bigEndian), let low = uint16(offset + 2, bigEndian: bigEndian) else { return nil }
        return bigEndian ? UInt32(high) << 16 | UInt32(low) : UInt32(low) << 16 | UInt32(high)
    }

    package func uint64be(_ offset: Int) -> UInt64? {
        guard let high = uint32(offset, bigEndian: true), let low = uint32(offset + 4, bigEndian: true) else { return nil }
        return UInt64(high) << 32 | UInt64(low)
    }

    /// True when the bytes at `offset` equal `ascii`.
    package func matches(_ ascii: String, at offset: Int) -> Bool {
        let pattern = Array(ascii.utf8)
        guard offset >= 0, offset + pattern.count <= self.bytes.count else { return false }
        let start = self.bytes.startIndex + offset
        return self.bytes[start..<(start + pattern.count)].elementsEqual(pattern)
    }

    package func matches(_ pattern: [UInt8], at offset: Int) -> Bool {
        guard offset >= 0, offset + pattern.count <= self.bytes.count else { return false }
        let start = self.bytes.startIndex + offset
        return self.bytes[start..<(start + pattern.count)].elementsEqual(pattern)
    }

    package func ascii(_ offset: Int, _ length: Int) -> String? {
        guard offset >= 0, offset + length <= self.bytes.count else { return nil }
        let start = self.bytes.startIndex + offset
        return String(decoding: self.bytes[start..<(start + length)], as: UTF8.self)
    }
}
