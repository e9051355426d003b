/// A response output that keeps everything in memory (in-process tests; `MemoryBody` is its twin).
package final class MemoryOutput: ResponseOutput {
    package private(set) var bytes: [UInt8] = []
    package private(set) var aborted = false
    package private(set) var flushes = 0

    package init() {}

    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        self.bytes.append(contentsOf: bytes)
    }

    package func flush() throws { self.flushes += 1 }

    package func abort() { self.aborted = true }
}
