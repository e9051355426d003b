import DepotCore
import Glibc

/// A request body read from a file that nginx already wrote (offload mode), in large reads.
package final class FileBody: RequestBody {
    private let descriptor: FileDescriptor
    package let path: String
    package let size: Int64

    /// Opens the file.
    package init(path: String) throws(SystemError) {
        self.path = path
        self.descriptor = try FileDescriptor.open(path, O_RDONLY)
        do {
            self.size = try self.descriptor.size()
        } catch {
            self.descriptor.close()
            throw error
        }
        posix_fadvise(self.descriptor.rawValue, 0, 0, POSIX_FADV_SEQUENTIAL)
    }

    deinit { self.descriptor.close() }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        do {
            return try self.descriptor.read(into: buffer)
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
