import DepotCore
import Foundation
import Glibc

/// A file being received: bytes go to disk, into SHA-256 and (the first ones) into a sniffing prefix,
/// in one pass. Unless committed, it is removed when released.
package final class TempFile {
    package let path: String
    private var fd: Int32
    private let hasher = SHA256Hasher()
    package private(set) var size: Int64 = 0
    package private(set) var prefix: [UInt8] = []
    private let prefixLimit: Int
    /// Set once the bytes live on under another name (link/rename) so deinit leaves them be.
    var keep = false

    init(path: String, fd: Int32, prefixLimit: Int) {
        self.path = path
        self.fd = fd
        self.prefixLimit = prefixLimit
    }

    deinit {
        if self.fd >= 0 { close(self.fd) }
        if !self.keep { unlink(self.path) }
    }

    /// Appends bytes.
    /// - Throws: `SystemError` (ENOSPC when the disk is full).
    package func write(_ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        if self.prefix.count < self.prefixLimit {
            self.prefix.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[..<min(bytes.count, self.prefixLimit - self.prefix.count)]))
        }
        self.hasher.update(bytes)
        var offset = 0
        while offset < bytes.count {
            offset += try syscall("write") { Glibc.write(self.fd, base + offset, bytes.count - offset) }
        }
        self.size += Int64(bytes.count)
    }

    /// Finishes writing: optional fsync, close.
    /// - Returns: the SHA-256 of everything written, in hex.
    package func finish(durable: Bool) throws(SystemError) -> String {
        if durable { try syscall("fsync") { fsync(self.fd) } }
        close(self.fd)
        self.fd = -1
        return self.hasher.finalizeHex()
    }
}
