import Foundation

/// Little-endian integers into a byte array (zip and BIFF are little-endian throughout).
package struct ByteWriter {
    package var bytes: [UInt8] = []
    package init() {}
    package mutating func u8(_ value: UInt8) { self.bytes.append(value) }
    package mutating func u16(_ value: UInt16) { self.bytes += [UInt8(value & 0xFF), UInt8(value >> 8)] }
    package mutating func u32(_ value: UInt32) {
        self.bytes += [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)]
    }
    package mutating func f64(_ value: Double) {
        let bits = value.bitPattern
        for shift in stride(from: 0, to: 64, by: 8) { self.bytes.append(UInt8(bits >> UInt64(shift) & 0xFF)) }
    }
}
