import DepotCore
import Foundation
import Glibc

/// Why a store operation failed.
package enum StoreError: Error, Sendable {
    /// A file already exists at the target and overwriting was not asked for.
    case exists(String)
    case system(SystemError)
}

/// The storage root: temp files under `.tmp/`, atomic placement (link for no-clobber, rename to
/// replace), fsync of files and directories when durable, and a journal per commit so a crash
/// between placing files and committing rows is repaired at start-up.
package final class FileStore: Sendable {
    package let root: String
    package let durable: Bool
    private let temporaryDirectory: String
    private static let host = ProcessInfo.processInfo.hostName.filter { $0.isLetter || $0.isNumber || $0 == "-" }

    package init(root: String, durable: Bool) throws(SystemError) {
        self.root = root
        self.durable = durable
        self.temporaryDirectory = root + "/.tmp"
        try FileSystem.makeDirectories(self.temporaryDirectory)
    }

    /// The absolute path of a stored path (`/ns/date/name`).
    package func absolute(_ storedPath: String) -> String { self.root + storedPath }

    /// A new, empty temp file.
    package func makeTempFile(prefixLimit: Int = ContentSniffer.prefixSize) throws(SystemError) -> TempFile {
        let path = "\(self.temporaryDirectory)/\(FileStore.host)-\(getpid())-\(UUID().uuidString.lowercased()).part"
        let fd = try syscall("open(\(path))") { open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640) }
        return TempFile(path: path, fd: fd, prefixLimit: prefixLimit)
    }

    /// Places files and commits their rows as one unit.
    ///
    /// New names are `link()`ed (atomic, never clobbering: a taken name is `StoreError.exists`);
    /// replacements are `rename()`d only after `commitRows` succeeded. On any failure every file this
    /// call placed is removed again. A journal lists the targets meanwhile, for `recover`.
    /// - Parameters:
    ///   - placements: each temp file (or an existing file to adopt, such as nginx's body file) and its stored path.
    ///   - commitRows: writes the database rows; runs after the new names exist.
    package func place(_ placements: [Placement], commitRows: () throws -> Void) throws {
        let journal = "\(self.temporaryDirectory)/\(FileStore.host)-\(getpid())-\(UUID().uuidString.lowercased()).journal"
        let lines = placements.map { "\($0.overwrite ? "replace" : "new")\t\($0.source)\t\($0.storedPath)" }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: journal))
        defer { unlink(journal) }
        var linked: [String] = []
        do {
            for placement in placements {
                let target = self.absolute(placement.storedPath)
                try FileSystem.makeDirectories((target as NSString).deletingLastPathComponent)
                if placement.overwrite { continue }
                if link(placement.source, target) != 0 {
                    let code = errno
                    if code == EEXIST { throw StoreError.exists(placement.storedPath) }
                    throw StoreError.system(SystemError(errno: code, function: "link(\(placement.storedPath))"))
                }
                linked.append(target)
            }
            try commitRows()
        } catch {
            for path in linked { unlink(path) }
            throw error
        }
        // Rows are committed: from here on the request has succeeded; replacements roll forward.
        for placement in placements where placement.overwrite {
            if rename(placement.source, self.absolute(placement.storedPath)) != 0 {
                Log.error("rename into \(placement.storedPath) failed (errno \(errno)); start-up recovery will retry")
            }
        }
        if self.durable {
            for directory in Set(placements.map { (self.absolute($0.storedPath) as NSString).deletingLastPathComponent }) {
                FileStore.syncDirectory(directory)
            }
        }
    }

    /// One file to place.
    package struct Placement: Sendable {
        package var source: String
        package var storedPath: String
        package var overwrite: Bool
        package init(source: String, storedPath: String, overwrite: Bool) {
            self.source = source
            self.storedPath = storedPath
            self.overwrite = overwrite
        }
    }

    /// Removes a stored file; a missing one is fine.
    package func remove(_ storedPath: String) {
        let path = self.absolute(storedPath)
        if unlink(path) == 0, self.durable { FileStore.syncDirectory((path as NSString).deletingLastPathComponent) }
    }

    /// True when a stored path exists as a regular file.
    package func exists(_ storedPath: String) -> Bool {
        var status = stat()
        return stat(self.absolute(storedPath), &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
    }

    /// Start-up repair after a crash: journals are replayed (files whose rows exist are kept and
    /// pending replacements completed; the others removed), then stale temp files are deleted.
    /// - Parameter rowExists: whether the database has a row for a stored path.
    /// - Returns: how many files were removed.
    @discardableResult
    package func recover(rowExists: (String) throws -> Bool) throws -> Int {
        var removed = 0
        let names = (try? FileManager.default.contentsOfDirectory(atPath: self.temporaryDirectory)) ?? []
        for name in names where name.hasSuffix(".journal") && !self.isLive(name) {
            let journal = "\(self.temporaryDirectory)/\(name)"
            let text = (try? String(contentsOfFile: journal, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                guard fields.count == 3 else { continue }
                let (mode, source, storedPath) = (fields[0], fields[1], fields[2])
                if try rowExists(storedPath) {
                    if mode == "replace", access(source, F_OK) == 0 { rename(source, self.absolute(storedPath)) }
                } else if mode == "new" {
                    // Linked before the crash, never committed.
                    if unlink(self.absolute(storedPath)) == 0 { removed += 1 }
                }
            }
            unlink(journal)
        }
        for name in names where name.hasSuffix(".part") && !self.isLive(name) {
            if unlink("\(self.temporaryDirectory)/\(name)") == 0 { removed += 1 }
        }
        return removed
    }

    /// A temp name belongs to a live process when it carries this host and a running pid.
    private func isLive(_ name: String) -> Bool {
        let prefix = "\(FileStore.host)-"
        guard name.hasPrefix(prefix) else { return false }
        let rest = name.dropFirst(prefix.count)
        guard let pid = Int32(rest.prefix { $0.isNumber }) else { return false }
        if pid == getpid() { return false }  // ours, from before an exec: we have none yet
        return kill(pid, 0) == 0
    }

    private static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}
