/// Bits appended most significant first.
struct BitWriter {
    private(set) var bytes: [UInt8] = []
    private(set) var count = 0

    mutating func append(_ value: Int, _ length: Int) {
        guard length > 0 else { return }
        for shift in stride(from: length - 1, through: 0, by: -1) {
            if self.count % 8 == 0 { self.bytes.append(0) }
            if (value >> shift) & 1 == 1 { self.bytes[self.bytes.count - 1] |= 0x80 >> UInt8(self.count % 8) }
            self.count += 1
        }
    }
}
