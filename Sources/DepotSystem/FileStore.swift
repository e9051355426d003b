import DepotCore
import Foundation
import Glibc
import Synchronization

/// Why a store operation failed.
package enum StoreError: Error, Sendable {
    /// A file already exists at the target and overwriting was not asked for.
    case exists(String)
    case system(SystemError)
}

/// The storage root: temp files under `.tmp/`, atomic placement (link for no-clobber, rename to
/// replace), fsync of files and directories when durable, and an append-only journal per process so a
/// crash between placing files and committing rows is repaired at start-up.
package final class FileStore: Sendable {
    package let root: String
    package let durable: Bool
    private let temporaryDirectory: String
    private let journal: Journal
    private let knownDirectories = Mutex<Set<String>>([])
    /// Journal tokens and staging names are this prefix (pid and random bits, so unique across
    /// processes and restarts, even if a crash left a staging file behind) plus a counter.
    private let tokenPrefix = "\(getpid())-\(StorageNaming.randomUUID().prefix(8))"
    private let placementCounter = Atomic<UInt64>(0)
    /// Linux's O_TMPFILE (`__O_TMPFILE | O_DIRECTORY`), which the Glibc module hides behind _GNU_SOURCE.
    private static let openTemporaryFile: Int32 = 0o20_000_000 | O_DIRECTORY
    private static let host = ProcessInfo.processInfo.hostName.filter { $0.isLetter || $0.isNumber || $0 == "-" }

    package init(root: String, durable: Bool) throws(SystemError) {
        self.root = root
        self.durable = durable
        self.temporaryDirectory = root + "/.tmp"
        try FileSystem.makeDirectories(self.temporaryDirectory)
        self.journal = try Journal(path: "\(self.temporaryDirectory)/\(FileStore.host)-\(getpid()).journal")
    }

    /// The absolute path of a stored path (`/ns/date/name`).
    package func absolute(_ storedPath: String) -> String { self.root + storedPath }

    /// A new, empty temp file in the storage filesystem.
    package func makeTempFile(prefixLimit: Int = ContentSniffer.prefixSize) throws(SystemError) -> TempFile {
        let anonymous = open(self.temporaryDirectory, FileStore.openTemporaryFile | O_WRONLY | O_CLOEXEC, 0o640)
        if anonymous >= 0 { return TempFile(fd: anonymous, name: nil, prefixLimit: prefixLimit) }
        // Filesystems without O_TMPFILE: a named file, removed on release or by the start-up sweep.
        let path = "\(self.temporaryDirectory)/\(FileStore.host)-\(getpid())-\(StorageNaming.randomUUID()).part"
        let fd = try syscall("open(\(path))") { open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640) }
        return TempFile(fd: fd, name: path, prefixLimit: prefixLimit)
    }

    /// One file to place: a temp file, or an existing file to adopt (nginx's body file).
    package struct Placement {
        package enum Source {
            case temp(TempFile)
            case path(String)
        }

        package var source: Source
        package var storedPath: String
        package var overwrite: Bool

        package init(source: Source, storedPath: String, overwrite: Bool) {
            self.source = source
            self.storedPath = storedPath
            self.overwrite = overwrite
        }

        var linkSource: String {
            switch self.source {
            case .temp(let temp): temp.linkSource
            case .path(let path): path
            }
        }
    }

    /// Places files and commits their rows as one unit.
    ///
    /// New names are `link()`ed (atomic, never clobbering: a taken name is `StoreError.exists`);
    /// replacements are linked under a staging name and `rename()`d over the target only after
    /// `commitRows` succeeded. On any failure every name this call made is removed again.
    /// - Parameters:
    ///   - placements: the files and their stored paths.
    ///   - commitRows: writes the database rows; runs after the new names exist.
    package func place(_ placements: [Placement], commitRows: () throws -> Void) throws {
        let token = "\(self.tokenPrefix)-\(self.placementCounter.add(1, ordering: .relaxed).newValue)"
        var made: [String] = []
        var staged: [(String, String)] = []
        self.journal.append(token: token, begin: placements.map { "\($0.overwrite ? "replace" : "new")\t\($0.storedPath)" })
        do {
            for placement in placements {
                let target = self.absolute(placement.storedPath)
                let directory = FileSystem.parentDirectory(of: target)
                try self.ensureDirectory(directory)
                let name = placement.overwrite ? "\(target).\(token).staging" : target
                var linked = linkat(AT_FDCWD, placement.linkSource, AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0
                if !linked && errno == ENOENT {
                    // The directory was removed behind our back (cleanup by an operator): make it again once.
                    self.knownDirectories.withLock { _ = $0.remove(directory) }
                    try self.ensureDirectory(directory)
                    linked = linkat(AT_FDCWD, placement.linkSource, AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0
                }
                if !linked {
                    let code = errno
                    if code == EEXIST && !placement.overwrite { throw StoreError.exists(placement.storedPath) }
                    throw StoreError.system(SystemError(errno: code, function: "link(\(placement.storedPath))"))
                }
                made.append(name)
                if placement.overwrite { staged.append((name, target)) }
            }
            try commitRows()
        } catch {
            for path in made { unlink(path) }
            self.journal.append(token: token, end: true)
            throw error
        }
        // Rows are committed: from here on the request has succeeded.
        for (staging, target) in staged where rename(staging, target) != 0 {
            Log.error("rename into \(target) failed (errno \(errno))")
        }
        if self.durable {
            for directory in Set(placements.map { FileSystem.parentDirectory(of: self.absolute($0.storedPath)) }) {
                FileStore.syncDirectory(directory)
            }
        }
        self.journal.append(token: token, end: true)
    }

    private func ensureDirectory(_ path: String) throws(SystemError) {
        if self.knownDirectories.withLock({ $0.contains(path) }) { return }
        try FileSystem.makeDirectories(path)
        self.knownDirectories.withLock { known in
            if known.count > 10_000 { known.removeAll() }
            known.insert(path)
        }
    }

    /// Removes a stored file; a missing one is fine.
    package func remove(_ storedPath: String) {
        let path = self.absolute(storedPath)
        if unlink(path) == 0, self.durable { FileStore.syncDirectory(FileSystem.parentDirectory(of: path)) }
    }

    /// True when a stored path exists as a regular file.
    package func exists(_ storedPath: String) -> Bool {
        var status = stat()
        return stat(self.absolute(storedPath), &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
    }

    /// Start-up repair after a crash: in the journals of processes that are gone, placements that
    /// began but never ended are undone (new names without a row removed, staging names removed);
    /// stale named temp files are deleted.
    /// - Parameter rowExists: whether the database has a row for a stored path.
    /// - Returns: how many files were removed.
    @discardableResult
    package func recover(rowExists: (String) throws -> Bool) throws -> Int {
        var removed = 0
        let names = (try? FileManager.default.contentsOfDirectory(atPath: self.temporaryDirectory)) ?? []
        for name in names where name.hasSuffix(".journal") && !self.isLive(name) {
            let path = "\(self.temporaryDirectory)/\(name)"
            for (token, lines) in Journal.unfinished(path) {
                for line in lines {
                    let fields = line.split(separator: "\t", maxSplits: 1).map(String.init)
                    guard fields.count == 2 else { continue }
                    let target = self.absolute(fields[1])
                    if fields[0] == "replace" {
                        if unlink("\(target).\(token).staging") == 0 { removed += 1 }
                    } else if try !rowExists(fields[1]), unlink(target) == 0 {
                        removed += 1
                    }
                }
            }
            unlink(path)
        }
        for name in names where name.hasSuffix(".part") && !self.isLive(name) {
            if unlink("\(self.temporaryDirectory)/\(name)") == 0 { removed += 1 }
        }
        return removed
    }

    /// A temp name belongs to a live process when it carries this host and a running pid other than ours.
    private func isLive(_ name: String) -> Bool {
        let prefix = "\(FileStore.host)-"
        guard name.hasPrefix(prefix) else { return false }
        let rest = name.dropFirst(prefix.count)
        guard let pid = Int32(rest.prefix { $0.isNumber }) else { return false }
        if pid == getpid() { return true }
        return kill(pid, 0) == 0
    }

    private static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}

/// An append-only log of placements in progress: `B token` + lines before, `E token` after.
/// One `write(2)` per record with O_APPEND, so records from threads never interleave.
final class Journal: Sendable {
    private let fd: Int32
    private let state = Mutex<(inFlight: Int, bytes: Int)>((0, 0))

    init(path: String) throws(SystemError) {
        self.fd = try syscall("open(\(path))") { open(path, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC, 0o640) }
    }

    deinit { close(self.fd) }

    func append(token: String, begin lines: [String]) {
        let record = "B \(token)\n" + lines.map { "  \($0)\n" }.joined()
        self.state.withLock { state in
            state.inFlight += 1
            state.bytes += self.write(record)
        }
    }

    func append(token: String, end: Bool) {
        self.state.withLock { state in
            state.inFlight -= 1
            state.bytes += self.write("E \(token)\n")
            // Nothing in flight: everything in the file is finished, so it can start over.
            if state.inFlight == 0 && state.bytes > 4 << 20 {
                ftruncate(self.fd, 0)
                state.bytes = 0
            }
        }
    }

    private func write(_ text: String) -> Int {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBytes { Glibc.write(self.fd, $0.baseAddress!, $0.count) }
    }

    /// Placements that began in a journal file but never ended.
    static func unfinished(_ path: String) -> [(String, [String])] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        var open: [(String, [String])] = []
        var current: Int?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("B ") {
                open.append((String(line.dropFirst(2)), []))
                current = open.count - 1
            } else if line.hasPrefix("E ") {
                let token = String(line.dropFirst(2))
                open.removeAll { $0.0 == token }
                current = nil
            } else if line.hasPrefix("  "), let index = current, index < open.count {
                open[index].1.append(String(line.dropFirst(2)))
            }
        }
        return open
    }
}
