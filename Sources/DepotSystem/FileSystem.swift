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

    /// Proves a directory is writable: a write into a fixed probe file, plus the directory's own
    /// write permission. (Creating and removing a name per check contends on the directory lock.)
    package static func probeWritable(_ directory: String) throws(SystemError) {
        let path = "\(directory)/.healthz-probe"
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SystemError(errno: Glibc.errno, function: "open(\(directory))") }
        defer { close(fd) }
        guard pwrite(fd, "ok", 2, 0) == 2 else { throw SystemError(errno: Glibc.errno, function: "write(\(directory))") }
        guard access(directory, W_OK) == 0 else { throw SystemError(errno: Glibc.errno, function: "access(\(directory))") }
    }
}
