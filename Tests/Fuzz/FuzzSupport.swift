// Shared by every fuzz harness (compiled into each): how the harness turns the fuzzer's bytes
// into values, and the one way a harness reports a broken property (a trap, which libFuzzer keeps
// as a crash input).

/// Consumes the fuzzer's input from the front.
struct FuzzInput {
    var bytes: ArraySlice<UInt8>

    init(_ data: UnsafePointer<UInt8>, _ size: Int) { self.bytes = Array(UnsafeBufferPointer(start: data, count: size))[...] }

    var isEmpty: Bool { self.bytes.isEmpty }

    mutating func byte() -> UInt8 { self.bytes.popFirst() ?? 0 }

    mutating func take(_ count: Int) -> ArraySlice<UInt8> {
        let taken = self.bytes.prefix(count)
        self.bytes = self.bytes.dropFirst(taken.count)
        return taken
    }

    /// The rest as a string (invalid UTF-8 repaired, as the server would decode it).
    mutating func string() -> String {
        defer { self.bytes = [] }
        return String(decoding: self.bytes, as: UTF8.self)
    }

    /// Splits off a string up to the next 0 byte (or the end).
    mutating func field() -> String {
        let end = self.bytes.firstIndex(of: 0) ?? self.bytes.endIndex
        let text = String(decoding: self.bytes[self.bytes.startIndex..<end], as: UTF8.self)
        self.bytes = self.bytes[min(end + 1, self.bytes.endIndex)...]
        return text
    }
}

/// Stops the run with a message when a property does not hold.
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("property broken: \(message())") }
}
