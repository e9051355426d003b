import DepotCore
import Foundation
import Glibc

/// A file being received: bytes go to disk, into SHA-256 and (the first ones) into a sniffing prefix,
/// in one pass. It is an anonymous `O_TMPFILE` inode where the filesystem allows (no name to create
/// or remove, nothing left after a crash), else a named `.part` file. Unless placed, it vanishes
/// when released.
package final class TempFile {
    /// The descriptor, open until release (placement links it by `/proc/self/fd`).
    let descriptor: FileDescriptor
    /// The name of a named temp file; nil for an anonymous one.
    let name: String?
    private let hasher = SHA256Hasher()
    /// Past this size the hash moves to its own thread (small files are not worth a thread).
    static let parallelHashThreshold: Int64 = 8 << 20
    private var pipeline: HashPipeline?
    /// Whether bytes past `parallelHashThreshold` go to disk with `O_DIRECT` (see `DirectAppender`).
    private let directLargeWrites: Bool
    /// Set once the file passes the threshold, when `directLargeWrites`.
    private var appender: DirectAppender?
    package private(set) var size: Int64 = 0
    package private(set) var prefix: [UInt8] = []
    private let prefixLimit: Int

    init(descriptor: FileDescriptor, name: String?, prefixLimit: Int, directLargeWrites: Bool = false) {
        self.descriptor = descriptor
        self.name = name
        self.prefixLimit = prefixLimit
        self.directLargeWrites = directLargeWrites
    }

    deinit {
        // A writer thread still holding a buffer (the request failed mid-file) finishes with the
        // descriptor before it is closed, and a pipeline still running is drained before its hasher goes.
        self.appender = nil
        _ = self.pipeline?.finish()
        self.descriptor.close()
        if let name { unlink(name) }
    }

    /// A path that names this file for `linkat(..., AT_SYMLINK_FOLLOW)`.
    var linkSource: String { self.name ?? "/proc/self/fd/\(self.descriptor.rawValue)" }

    /// Appends bytes.
    /// - Throws: `SystemError` (ENOSPC when the disk is full).
    package func write(_ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        guard bytes.count > 0 else { return }
        if self.prefix.count < self.prefixLimit {
            self.prefix.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[..<min(bytes.count, self.prefixLimit - self.prefix.count)]))
        }
        if self.pipeline == nil && self.size >= TempFile.parallelHashThreshold {
            // A large file: the hash moves to its own thread, and whole blocks skip the page cache
            // (copying a gigabyte into it, then writing it back, costs more CPU than the hash).
            self.pipeline = try? HashPipeline(hasher: self.hasher)
            if self.directLargeWrites {
                self.appender = try? DirectAppender(path: self.linkSource, buffered: self.descriptor, offset: self.size, background: true)
            }
        }
        if let pipeline = self.pipeline { pipeline.submit(bytes) } else { self.hasher.update(bytes) }
        if let appender = self.appender { try appender.append(bytes) } else { try self.descriptor.writeAll(bytes) }
        self.size += Int64(bytes.count)
    }

    /// Finishes writing (fsync when durable).
    /// - Returns: the SHA-256 of everything written, in hex.
    package func finish(durable: Bool) throws(SystemError) -> String {
        if let appender = self.appender {
            try appender.flush()
            self.appender = nil
        }
        if durable { try self.descriptor.sync() }
        if let pipeline = self.pipeline {
            self.pipeline = nil
            return pipeline.finish()
        }
        return self.hasher.finalizeHex()
    }
}
