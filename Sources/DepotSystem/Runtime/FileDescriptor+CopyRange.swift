internal import CLinux
import Glibc

extension FileDescriptor {
    /// Appends `count` bytes of `source`, from `offset`, at this descriptor's position, copied by
    /// the kernel (`copy_file_range`; on filesystems that share extents, not even copied).
    package func append(from source: FileDescriptor, offset: Int64, count: Int64) throws(SystemError) {
        var sourceOffset = Int(offset)
        var left = count
        while left > 0 {
            let copied = depot_copy_file_range(source.rawValue, &sourceOffset, self.rawValue, Int(min(left, 1 << 30)))
            if copied < 0 {
                if errno == EINTR { continue }
                throw SystemError(errno: errno, function: "copy_file_range")
            }
            guard copied > 0 else { throw SystemError(errno: EIO, function: "copy_file_range: the source ended early") }
            left -= Int64(copied)
        }
    }
}
