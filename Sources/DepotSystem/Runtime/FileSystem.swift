import Foundation
import Glibc

/// Small file-system helpers with errno-carrying errors.
package enum FileSystem {
    /// The directory part of a path (`/a/b/c` → `/a/b`, `/c` → `/`, `c` → `.`). Byte-level: Foundation's
    /// `deletingLastPathComponent` showed up at 4% of an upload's CPU.
    package static func parentDirectory(of path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        return slash == path.utf8.startIndex ? "/" : String(path[..<slash])
    }

    /// Creates a directory and its parents (mode 0755); an existing directory is fine.
    package static func makeDirectories(_ path: String) throws(SystemError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            var status = stat()
            if stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR { return }
            throw SystemError(errno: Glibc.errno == 0 ? EACCES : Glibc.errno, function: "mkdir(\(path))")
        }
    }

    /// Flushes a file's data to disk (`fsync`).
    package static func sync(path: String) throws(SystemError) {
        let file = try FileDescriptor.open(path, O_RDONLY)
        defer { file.close() }
        try file.sync(what: "fsync(\(path))")
    }

    /// Bytes an unprivileged writer can still use on the filesystem holding `path`.
    package static func availableBytes(_ path: String) throws(SystemError) -> Int64 {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { throw SystemError(errno: Glibc.errno, function: "statvfs(\(path))") }
        let (bytes, overflow) = Int64(info.f_bavail).multipliedReportingOverflow(by: Int64(info.f_frsize))
        return overflow ? Int64.max : bytes
    }

    /// Proves new data can be written in a directory: a new file of one block is written, synced
    /// and removed, and the filesystem must have at least `minimumFree` bytes left. (Rewriting
    /// bytes of an existing file succeeds on a full disk, which is what the probe must catch.)
    package static func probeWritable(_ directory: String, minimumFree: Int64 = 0) throws(SystemError) {
        let path = "\(directory)/.healthz-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let file = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_EXCL, permissions: 0o600)
        defer {
            file.close()
            unlink(path)
        }
        try file.writeAll([UInt8](repeating: 0x2E, count: 4096), what: "write(\(directory))")
        try file.dataSync(what: "fdatasync(\(directory))")
        guard try availableBytes(directory) >= minimumFree else { throw SystemError(errno: ENOSPC, function: "free space in \(directory)") }
    }
}
