import Foundation

/// SHA-256 on its own thread, fed through a bounded ring of reused buffers, so a large file is
/// hashed while the next chunk is written (the hash is about a third of an upload's CPU here).
/// Memory stays bounded: at most `depth` buffers of `bufferSize` bytes.
package final class HashPipeline: @unchecked Sendable {
    private let condition = NSCondition()
    private var free: [[UInt8]]
    private var queued: [(buffer: [UInt8], count: Int)] = []
    private var closed = false
    private var digest: String?
    private let hasher: any IncrementalHash
    private let bufferSize: Int
    private let depth: Int
    /// Reads the hasher's state (on the hash thread, between buffers), for `checkpoint`.
    private let snapshot: (() -> [UInt8])?
    private var hashed: Int64 = 0
    private var latest: (bytes: Int64, state: [UInt8])?

    /// - Parameter hasher: continues the hash (bytes already fed to it stay counted).
    /// - Parameter snapshot: when given, the hash thread reads the state after each buffer, and
    ///   `checkpoint` hands out the latest one without waiting for the queue to drain.
    package init(
        hasher: any IncrementalHash, depth: Int = 6, bufferSize: Int = 1 << 20, snapshot: (() -> [UInt8])? = nil
    ) throws(SystemError) {
        self.hasher = hasher
        self.bufferSize = bufferSize
        self.depth = depth
        self.snapshot = snapshot
        self.free = (0..<depth).map { _ in [UInt8](repeating: 0, count: bufferSize) }
        _ = try JoinableThread(stackSize: 256 << 10) { [self] in self.run() }
    }

    /// Copies `bytes` into a free buffer (waiting for one if all are in use) and queues it.
    package func submit(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count {
            self.condition.lock()
            while self.free.isEmpty { self.condition.wait() }
            var buffer = self.free.removeLast()
            self.condition.unlock()
            let count = min(self.bufferSize, bytes.count - offset)
            buffer.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])) }
            offset += count
            self.condition.lock()
            self.queued.append((buffer, count))
            self.condition.broadcast()
            self.condition.unlock()
        }
    }

    /// The most recent state the hash thread saw, and how many submitted bytes it covers.
    package var checkpoint: (bytes: Int64, state: [UInt8])? {
        self.condition.lock()
        defer { self.condition.unlock() }
        return self.latest
    }

    /// Waits until every byte submitted so far is in the hasher (its state may then be read); the
    /// pipeline goes on.
    package func drain() {
        self.condition.lock()
        while self.free.count < self.depth { self.condition.wait() }
        self.condition.unlock()
    }

    /// Waits for the queued bytes to be hashed and ends the thread.
    /// - Returns: the SHA-256 in hex.
    @discardableResult
    package func finish() -> String {
        self.condition.lock()
        self.closed = true
        self.condition.broadcast()
        while self.digest == nil { self.condition.wait() }
        let digest = self.digest!
        self.condition.unlock()
        return digest
    }

    private func run() {
        while true {
            self.condition.lock()
            while self.queued.isEmpty && !self.closed { self.condition.wait() }
            if self.queued.isEmpty && self.closed {
                self.condition.unlock()
                break
            }
            let item = self.queued.removeFirst()
            self.condition.unlock()
            item.buffer.withUnsafeBytes { self.hasher.update(UnsafeRawBufferPointer(rebasing: $0[..<item.count])) }
            let state = self.snapshot?()
            self.condition.lock()
            self.hashed += Int64(item.count)
            if let state { self.latest = (self.hashed, state) }
            self.free.append(item.buffer)
            self.condition.broadcast()
            self.condition.unlock()
        }
        let digest = self.hasher.finalizeHex()
        self.condition.lock()
        self.digest = digest
        self.condition.broadcast()
        self.condition.unlock()
    }
}
