internal import CLinux
import Foundation
import Glibc

/// Appends a stream of bytes to a file from a given offset, writing whole 4 KiB blocks with
/// `O_DIRECT` (the device reads them from this buffer: no copy into the page cache, which on this
/// kind of machine is the costly and erratic part of a large write) and the unaligned head and tail
/// through the page cache. Where the file system refuses `O_DIRECT` (tmpfs, some network file
/// systems) every byte goes through the page cache. The aligned buffer is freed in deinit.
///
/// With `background`, full buffers are written by a thread of its own while the caller fills the
/// other of two buffers: an `O_DIRECT` write waits for the device, and the caller (reading a socket)
/// need not wait with it. `written` then runs ahead of the disk until `flush`, so it is for callers
/// that only read it after `flush` (temp files), not for ones that save it as progress (tus).
package final class DirectAppender: @unchecked Sendable {
    private static let block = 4096
    private let buffered: FileDescriptor
    private let direct: FileDescriptor?
    private let capacity: Int
    /// The buffer being filled.
    private var buffer: UnsafeMutableRawPointer
    /// Bytes at the start of `buffer` not yet in the file.
    private var pending = 0
    /// True when whole blocks bypass the page cache (the file system took O_DIRECT).
    package var isDirect: Bool { self.direct != nil }
    /// The file offset up to which appended bytes are in the file (with `background`, handed to
    /// the writer thread: in the file once `flush` returns).
    package private(set) var written: Int64
    /// The second buffer (with `background`): the one the writer thread is not writing.
    private var spare: UnsafeMutableRawPointer?
    /// The writer thread's side (with `background`); it never holds the appender itself, so an
    /// appender dropped on an error path still stops its thread in deinit.
    private let writer: BackgroundWriter?

    /// - Parameters:
    ///   - path: the file (already cut back to `offset`).
    ///   - buffered: a descriptor open for writing on it (the caller keeps and closes it).
    ///   - capacity: bytes gathered before a write (a multiple of 4 KiB).
    ///   - direct: false to write everything through the page cache.
    ///   - background: write full buffers on a thread of its own (see the type's note).
    package init(
        path: String, buffered: FileDescriptor, offset: Int64, capacity: Int = 1 << 20, direct: Bool = true, background: Bool = false
    ) throws(SystemError) {
        self.buffered = buffered
        self.written = offset
        self.capacity = capacity
        self.buffer = try Self.alignedBuffer(capacity)
        self.direct = direct ? try? FileDescriptor.open(path, O_WRONLY | O_CLOEXEC | depot_o_direct()) : nil
        if background, let direct = self.direct {
            self.spare = try Self.alignedBuffer(capacity)
            self.writer = BackgroundWriter(direct: direct.rawValue, buffered: buffered.rawValue)
            try self.writer!.start()
        } else {
            self.writer = nil
        }
    }

    private static func alignedBuffer(_ capacity: Int) throws(SystemError) -> UnsafeMutableRawPointer {
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, Self.block, capacity) == 0, let raw else { throw SystemError(errno: ENOMEM, function: "posix_memalign") }
        return raw
    }

    deinit {
        // The writer thread stops once its buffer is written; only then may the buffers go.
        self.writer?.stop()
        self.direct?.close()
        free(self.buffer)
        if let spare = self.spare { free(spare) }
    }

    /// Takes `bytes`; whole blocks are written as the buffer fills.
    package func append(_ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        var rest = bytes
        while !rest.isEmpty {
            let take = min(rest.count, self.capacity - self.pending)
            (self.buffer + self.pending).copyMemory(from: rest.baseAddress!, byteCount: take)
            self.pending += take
            rest = UnsafeRawBufferPointer(rebasing: rest[take...])
            if self.pending == self.capacity {
                if self.writer != nil && self.written % Int64(Self.block) == 0 { try self.handOff() } else { try self.writeOut(all: false) }
            }
        }
    }

    /// Writes everything taken so far (`written` is then the end of the appended bytes).
    package func flush() throws(SystemError) {
        try self.waitForWriter()
        try self.writeOut(all: true)
    }

    /// Gives the full buffer to the writer thread and goes on with the other one.
    private func handOff() throws(SystemError) {
        try self.writer!.submit(self.buffer, count: self.pending, at: self.written)
        swap(&self.buffer, &self.spare!)
        self.written += Int64(self.pending)
        self.pending = 0
    }

    /// Waits until the writer thread is idle; throws what its last write failed with.
    private func waitForWriter() throws(SystemError) {
        try self.writer?.waitIdle()
    }

    private func writeOut(all: Bool) throws(SystemError) {
        // Up to the next block boundary through the page cache (a stream resumed mid-block).
        let misaligned = Int(self.written % Int64(Self.block))
        if misaligned != 0 || self.direct == nil {
            let head = self.direct == nil ? self.pending : min(self.pending, Self.block - misaligned)
            try self.write(self.buffered, count: head)
        }
        // Whole blocks straight to the device.
        if let direct = self.direct {
            let blocks = self.pending / Self.block * Self.block
            if blocks > 0 {
                do {
                    try self.write(direct, count: blocks)
                } catch {
                    // A file system that took O_DIRECT at open but refuses the write: the page cache then.
                    try self.write(self.buffered, count: blocks)
                }
            }
        }
        if all && self.pending > 0 { try self.write(self.buffered, count: self.pending) }
    }

    /// Writes the first `count` pending bytes at `written`, then moves the rest to the buffer's start.
    private func write(_ descriptor: FileDescriptor, count: Int) throws(SystemError) {
        var done = 0
        while done < count {
            let result = pwrite(descriptor.rawValue, self.buffer + done, count - done, off_t(self.written) + off_t(done))
            if result < 0 {
                if errno == EINTR { continue }
                throw SystemError(errno: errno, function: "pwrite")
            }
            done += result
        }
        self.written += Int64(count)
        self.pending -= count
        if self.pending > 0 { memmove(self.buffer, self.buffer + count, self.pending) }
    }
}

/// The thread that writes an appender's full buffers (one at a time) while it fills the other.
private final class BackgroundWriter: @unchecked Sendable {
    private let condition = NSCondition()
    private let direct: Int32
    private let buffered: Int32
    /// The buffer being written (guarded by `condition`).
    private var job: (buffer: UnsafeMutableRawPointer, count: Int, offset: Int64)?
    private var failure: SystemError?
    private var closing = false
    private var running = false

    init(direct: Int32, buffered: Int32) {
        (self.direct, self.buffered) = (direct, buffered)
    }

    func start() throws(SystemError) {
        self.running = true
        do {
            _ = try JoinableThread(stackSize: 128 << 10) { [self] in self.run() }
        } catch {
            self.running = false
            throw error
        }
    }

    /// Waits for the previous buffer, then hands this one over.
    func submit(_ buffer: UnsafeMutableRawPointer, count: Int, at offset: Int64) throws(SystemError) {
        try self.waitIdle()
        self.condition.lock()
        self.job = (buffer, count, offset)
        self.condition.broadcast()
        self.condition.unlock()
    }

    func waitIdle() throws(SystemError) {
        self.condition.lock()
        while self.job != nil { self.condition.wait() }
        let failure = self.failure
        self.condition.unlock()
        if let failure { throw failure }
    }

    /// Lets the buffer in hand be written, then ends the thread.
    func stop() {
        self.condition.lock()
        self.closing = true
        self.condition.broadcast()
        while self.running { self.condition.wait() }
        self.condition.unlock()
    }

    private func run() {
        while true {
            self.condition.lock()
            while self.job == nil && !self.closing { self.condition.wait() }
            guard let job = self.job else {
                self.running = false
                self.condition.broadcast()
                self.condition.unlock()
                return
            }
            self.condition.unlock()
            var failure: SystemError?
            // A file system that took O_DIRECT at open but refuses the write: the page cache then.
            if !Self.writeAll(self.direct, job.buffer, job.count, at: job.offset)
                && !Self.writeAll(self.buffered, job.buffer, job.count, at: job.offset)
            {
                failure = SystemError(errno: errno, function: "pwrite")
            }
            self.condition.lock()
            self.job = nil
            if let failure, self.failure == nil { self.failure = failure }
            self.condition.broadcast()
            self.condition.unlock()
        }
    }

    private static func writeAll(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, at offset: Int64) -> Bool {
        var done = 0
        while done < count {
            let result = pwrite(descriptor, buffer + done, count - done, off_t(offset) + off_t(done))
            if result < 0 {
                if errno == EINTR { continue }
                return false
            }
            done += result
        }
        return true
    }
}
