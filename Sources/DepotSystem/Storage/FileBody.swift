import DepotCore
import Glibc

/// A request body read from a file that nginx already wrote (offload mode), in large reads.
package final class FileBody: RequestBody {
    private let fd: Int32
    package let path: String
    package let size: Int64

    /// Opens the file.
    package init(path: String) throws(SystemError) {
        self.path = path
        self.fd = try syscall("open(\(path))") { open(path, O_RDONLY | O_CLOEXEC) }
        var status = stat()
        fstat(self.fd, &status)
        self.size = Int64(status.st_size)
        posix_fadvise(self.fd, 0, 0, POSIX_FADV_SEQUENTIAL)
    }

    deinit { close(self.fd) }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        do {
            return try syscall("read") { Glibc.read(self.fd, base, buffer.count) }
        } catch {
            throw TransportError.peerGone
        }
    }
}

/// The real path of an existing file, with symlinks resolved.
package func resolvedPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
}

/// True when two existing paths are on the same filesystem (so `link()` between them can work).
package func onSameFilesystem(_ first: String, _ second: String) -> Bool {
    var a = stat()
    var b = stat()
    return stat(first, &a) == 0 && stat(second, &b) == 0 && a.st_dev == b.st_dev
}
