import Glibc

/// An open file descriptor, in swift-system's shape: `open`, `read`, `read(fromAbsoluteOffset:)`,
/// `writeAll`, `close`. Every call retries EINTR and throws `SystemError` with the errno and what
/// was being done. It is a plain value: whoever opens one closes it (`closeAfter`, or a `deinit`).
package struct FileDescriptor: Sendable, Hashable {
    package let rawValue: Int32

    package init(rawValue: Int32) { self.rawValue = rawValue }

    package static let standardOutput = FileDescriptor(rawValue: 1)
    package static let standardError = FileDescriptor(rawValue: 2)

    /// Opens (or creates, with `O_CREAT`) a file. `O_CLOEXEC` is always added.
    package static func open(_ path: String, _ flags: Int32, permissions: mode_t = 0o640) throws(SystemError) -> FileDescriptor {
        FileDescriptor(rawValue: try syscall("open(\(path))") { Glibc.open(path, flags | O_CLOEXEC, permissions) })
    }

    /// Reads up to `buffer.count` bytes at the current offset. - Returns: 0 at the end.
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        return try syscall("read") { Glibc.read(self.rawValue, base, buffer.count) }
    }

    /// Reads up to `buffer.count` bytes at `offset` (pread: the file offset does not move).
    package func read(fromAbsoluteOffset offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        return try syscall("pread") { pread(self.rawValue, base, buffer.count, off_t(offset)) }
    }

    /// Writes every byte, retrying short writes.
    package func writeAll(_ bytes: UnsafeRawBufferPointer, what: @autoclosure () -> String = "write") throws(SystemError) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            offset += try syscall(what()) { Glibc.write(self.rawValue, base + offset, bytes.count - offset) }
        }
    }

    /// Writes every byte of an array.
    package func writeAll(_ bytes: [UInt8], what: @autoclosure () -> String = "write") throws(SystemError) {
        let description = what()
        var failure: SystemError?
        bytes.withUnsafeBytes { raw in
            do throws(SystemError) { try self.writeAll(raw, what: description) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// The file's size (fstat).
    package func size() throws(SystemError) -> Int64 {
        Int64(try self.status().st_size)
    }

    /// fstat.
    package func status() throws(SystemError) -> stat {
        var status = stat()
        try syscall("fstat") { fstat(self.rawValue, &status) }
        return status
    }

    /// Flushes data and metadata to disk (fsync).
    package func sync(what: @autoclosure () -> String = "fsync") throws(SystemError) {
        try syscall(what()) { fsync(self.rawValue) }
    }

    /// Flushes data (and the metadata needed to read it back) to disk (fdatasync).
    package func dataSync(what: @autoclosure () -> String = "fdatasync") throws(SystemError) {
        try syscall(what()) { fdatasync(self.rawValue) }
    }

    /// Cuts the file to `size` bytes.
    package func truncate(to size: Int64) throws(SystemError) {
        try syscall("ftruncate") { ftruncate(self.rawValue, off_t(size)) }
    }

    /// Closes the descriptor. Errors are ignored: after close(2) fails the descriptor is gone
    /// anyway on Linux, and retrying could close one another thread just opened.
    package func close() {
        _ = Glibc.close(self.rawValue)
    }

    /// Runs `body`, then closes the descriptor whatever happened.
    package func closeAfter<R>(_ body: () throws -> R) rethrows -> R {
        defer { self.close() }
        return try body()
    }
}
