/// Collects small writes into blocks of `capacity` bytes before they reach the sink.
package struct BufferedOutput {
    package private(set) var buffer: [UInt8] = []
    private let capacity: Int
    private let sink: any ByteSink
    /// Bytes handed to the sink so far.
    package private(set) var written: Int64 = 0

    package init(sink: any ByteSink, capacity: Int = 64 * 1024) {
        self.sink = sink
        self.capacity = capacity
        self.buffer.reserveCapacity(capacity + 4096)
    }

    @inline(__always)
    package mutating func append(_ byte: UInt8) { self.buffer.append(byte) }

    @inline(__always)
    package mutating func append(_ bytes: [UInt8]) { self.buffer.append(contentsOf: bytes) }

    package mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { self.buffer.append(contentsOf: $0) }
    }

    /// Appends a non-negative or negative integer in decimal without allocating.
    package mutating func appendDecimal(_ value: Int64) {
        if value < 0 {
            self.buffer.append(UInt8(ascii: "-"))
            if value == Int64.min {
                self.append("9223372036854775808")
                return
            }
        }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            repeat {
                raw[count] = UInt8(magnitude % 10) + 48
                magnitude /= 10
                count += 1
            } while magnitude > 0
            for index in stride(from: count - 1, through: 0, by: -1) { self.buffer.append(raw[index]) }
        }
    }

    /// Passes the buffer on when it is full.
    package mutating func flushIfFull() throws {
        if self.buffer.count >= self.capacity { try self.flush() }
    }

    package mutating func flush() throws {
        guard !self.buffer.isEmpty else { return }
        try self.buffer.withUnsafeBytes { try self.sink.write($0) }
        self.written += Int64(self.buffer.count)
        self.buffer.removeAll(keepingCapacity: true)
    }
}
