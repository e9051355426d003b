import DepotCore
import DepotSystem
import Glibc

/// The data files of resumable uploads: `{storage.root}/.tus/{id}`, one per upload, on the shared
/// volume so that any node can take an upload up again.
///
/// The state row is made before the data file and removed before it, so a data file without a row
/// is always left over (a crash between the two steps) and any node may remove it; a row without
/// a data file is an upload that has not received a byte yet.
package struct ResumableFiles: Sendable {
    package let directory: String
    let root: String
    let durable: Bool

    package init(root: String, durable: Bool) throws {
        self.root = root
        self.directory = root + "/.tus"
        self.durable = durable
        try FileSystem.makeDirectories(self.directory)
    }

    package func path(_ id: String) -> String { "\(self.directory)/\(id)" }

    /// The data file of upload `id` under a storage root (for `depot check`, which opens no store).
    package static func path(_ id: String, in root: String) -> String { "\(root)/.tus/\(id)" }

    /// The ids of every data file under a storage root.
    package static func ids(in root: String) -> [String] {
        guard let directory = opendir(root + "/.tus") else { return [] }
        defer { closedir(directory) }
        var ids: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { ids.append(name) }
        }
        return ids
    }

    /// Opens the upload's data file for appending at `offset`, made if missing (offset 0 only) and cut
    /// back to `offset`: bytes past it are from a PATCH that never saved them (a crash, a lost
    /// lease, a rejected chunk) and are not part of the upload.
    /// - Throws: `SystemError` (EIO when the file is shorter than the saved offset).
    package func openForAppend(_ id: String, offset: Int64) throws -> FileDescriptor {
        let descriptor = try FileDescriptor.open(self.path(id), O_WRONLY | O_CREAT | O_CLOEXEC)
        do {
            let size = try descriptor.size()
            guard size >= offset else {
                Log.error("resumable upload \(id): its data file has \(size) bytes, its row says \(offset)")
                throw SystemError(errno: EIO, function: "resumable data file \(id)")
            }
            if size > offset { try descriptor.truncate(to: offset) }
            guard lseek(descriptor.rawValue, off_t(offset), SEEK_SET) >= 0 else { throw SystemError(errno: errno, function: "lseek") }
            return descriptor
        } catch {
            descriptor.close()
            throw error
        }
    }

    /// The first bytes of an upload's data (for sniffing at completion).
    package func prefix(_ id: String, count: Int) throws -> [UInt8] {
        let descriptor = try FileDescriptor.open(self.path(id), O_RDONLY | O_CLOEXEC)
        defer { descriptor.close() }
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = try bytes.withUnsafeMutableBytes { buffer in
                try descriptor.read(fromAbsoluteOffset: Int64(filled), into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            }
            if got == 0 { break }
            filled += got
        }
        return Array(bytes.prefix(filled))
    }

    /// Hashes bytes `range` of an upload's data into `hasher` (a saved state from another OpenSSL,
    /// or a concatenation's later parts).
    package func hash(_ id: String, _ range: Range<Int64>, into hasher: ResumableSHA256) throws {
        let descriptor = try FileDescriptor.open(self.path(id), O_RDONLY | O_CLOEXEC)
        defer { descriptor.close() }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var position = range.lowerBound
        while position < range.upperBound {
            let want = Int(min(Int64(buffer.count), range.upperBound - position))
            let got = try buffer.withUnsafeMutableBytes { raw in
                try descriptor.read(fromAbsoluteOffset: position, into: UnsafeMutableRawBufferPointer(rebasing: raw[..<want]))
            }
            guard got > 0 else { throw SystemError(errno: EIO, function: "resumable data file \(id) is shorter than its offset") }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[..<got])) }
            position += Int64(got)
        }
    }

    /// Removes an upload's data file (gone already is fine).
    package func remove(_ id: String) {
        unlink(self.path(id))
    }

    /// The ids of every data file on the volume.
    package func ids() -> [String] { Self.ids(in: self.root) }
}
