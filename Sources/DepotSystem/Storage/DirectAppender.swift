internal import CLinux
import Glibc

/// Appends a stream of bytes to a file from a given offset, writing whole 4 KiB blocks with
/// `O_DIRECT` (the device reads them from this buffer: no copy into the page cache, which on this
/// kind of machine is the costly and erratic part of a large write) and the unaligned head and tail
/// through the page cache. Where the file system refuses `O_DIRECT` (tmpfs, some network file
/// systems) every byte goes through the page cache. The aligned buffer is freed in deinit.
package final class DirectAppender {
    private static let block = 4096
    private let buffered: FileDescriptor
    private let direct: FileDescriptor?
    private let capacity: Int
    private let buffer: UnsafeMutableRawPointer
    /// Bytes at the start of `buffer` not yet in the file.
    private var pending = 0
    /// True when whole blocks bypass the page cache (the file system took O_DIRECT).
    package var isDirect: Bool { self.direct != nil }
    /// The file offset up to which appended bytes are in the file.
    package private(set) var written: Int64

    /// - Parameters:
    ///   - path: the file (already cut back to `offset`).
    ///   - buffered: a descriptor open for writing on it (the caller keeps and closes it).
    ///   - capacity: bytes gathered before a write (a multiple of 4 KiB).
    ///   - direct: false to write everything through the page cache.
    package init(path: String, buffered: FileDescriptor, offset: Int64, capacity: Int = 1 << 20, direct: Bool = true) throws(SystemError) {
        self.buffered = buffered
        self.written = offset
        self.capacity = capacity
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, Self.block, capacity) == 0, let raw else { throw SystemError(errno: ENOMEM, function: "posix_memalign") }
        self.buffer = raw
        self.direct = direct ? try? FileDescriptor.open(path, O_WRONLY | O_CLOEXEC | depot_o_direct()) : nil
    }

    deinit {
        self.direct?.close()
        free(self.buffer)
    }

    /// Takes `bytes`; whole blocks are written as the buffer fills.
    package func append(_ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        var rest = bytes
        while !rest.isEmpty {
            let take = min(rest.count, self.capacity - self.pending)
            (self.buffer + self.pending).copyMemory(from: rest.baseAddress!, byteCount: take)
            self.pending += take
            rest = UnsafeRawBufferPointer(rebasing: rest[take...])
            if self.pending == self.capacity { try self.writeOut(all: false) }
        }
    }

    /// Writes everything taken so far (`written` is then the end of the appended bytes).
    package func flush() throws(SystemError) {
        try self.writeOut(all: true)
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
