/// A request body held in memory (in-process tests), handed out in chunks of at most `chunkSize`
/// bytes so readers meet short reads as they do on a socket.
package final class MemoryBody: RequestBody {
    private let bytes: [UInt8]
    private let chunkSize: Int
    private var offset = 0

    package init(_ bytes: [UInt8], chunkSize: Int = 64 * 1024) {
        self.bytes = bytes
        self.chunkSize = max(1, chunkSize)
    }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, self.chunkSize, self.bytes.count - self.offset)
        guard count > 0 else { return 0 }
        self.bytes.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + self.offset, byteCount: count)
        }
        self.offset += count
        return count
    }
}
