import DepotCore
import Foundation
import Glibc
import Synchronization

/// The storage root: temp files under `.tmp/`, atomic placement (link for no-clobber, rename to
/// replace), fsync of files and directories when durable, and a crash journal per instance so
/// that a row and the bytes at its path agree after a crash at any step.
///
/// The rules every operation keeps (see DESIGN.md, "Consistency rules"):
/// - an operation is journalled before it touches a name, and ended after its last step;
/// - whatever changes the bytes behind a path (overwrite, delete) holds that path's lock from its
///   commit to its rename or unlink, so the database and the disk see changes in one order;
/// - recovery rolls forward what the database committed and rolls back what it did not, judging
///   each journalled step by the row now at its path (and, for names it may remove, the inode).
package final class FileStore: Sendable {
    package let root: String
    package let durable: Bool
    /// Temp files past 8 MiB write whole blocks with `O_DIRECT` (`uploads.direct_io`).
    package let directLargeWrites: Bool
    package let temporaryDirectory: String
    /// This responder's node name: it recovers and sweeps only what its own instances left.
    package let node: String
    private let journal: Journal
    private let pathLocks = PathLocks()
    private let knownDirectories = Mutex<Set<String>>([])
    private let counter = Atomic<UInt64>(0)
    /// Linux's O_TMPFILE (`__O_TMPFILE | O_DIRECTORY`), which the Glibc module hides behind _GNU_SOURCE.
    private static let openTemporaryFile: Int32 = 0o20_000_000 | O_DIRECTORY
    /// Names of files under the root that are Depot's own, never stored files.
    package static let reservedNames: Set<String> = [".tmp", ".lost+found", ".thumbnails", ".tus"]

    /// The default node name: the host name, letters, digits and `-` only.
    package static var defaultNode: String {
        let host = ProcessInfo.processInfo.hostName.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        return host.isEmpty ? "node" : host
    }

    /// This process's instance name: its temp files, staging names and journal carry it.
    package var instance: String { self.journal.instance }

    package init(root: String, durable: Bool, node: String = FileStore.defaultNode, directLargeWrites: Bool = true) throws(SystemError) {
        self.root = root
        self.durable = durable
        self.directLargeWrites = directLargeWrites
        self.temporaryDirectory = root + "/.tmp"
        try FileSystem.makeDirectories(self.temporaryDirectory)
        self.node = node
        self.journal = try Journal(directory: self.temporaryDirectory, node: node, durable: durable)
    }

    /// The absolute path of a stored path (`/ns/date/name`).
    package func absolute(_ storedPath: String) -> String { self.root + storedPath }

    private func nextToken() -> String { "\(self.journal.instance)-\(self.counter.add(1, ordering: .relaxed).newValue)" }

    /// A scratch file in the storage filesystem, open for reading and writing, that no name keeps:
    /// an anonymous `O_TMPFILE` inode, or a named one unlinked at once. Gone when closed or after a crash.
    package func makeScratchFile() throws(SystemError) -> FileDescriptor {
        let anonymous = open(self.temporaryDirectory, FileStore.openTemporaryFile | O_RDWR | O_CLOEXEC, 0o640)
        if anonymous >= 0 { return FileDescriptor(rawValue: anonymous) }
        let path = "\(self.temporaryDirectory)/\(self.journal.instance).\(StorageNaming.randomUUID()).part"
        let descriptor = try FileDescriptor.open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC)
        unlink(path)
        return descriptor
    }

    /// A new, empty temp file in the storage filesystem.
    package func makeTempFile(prefixLimit: Int = ContentSniffer.prefixSize) throws(SystemError) -> TempFile {
        let anonymous = open(self.temporaryDirectory, FileStore.openTemporaryFile | O_WRONLY | O_CLOEXEC, 0o640)
        if anonymous >= 0 {
            return TempFile(descriptor: FileDescriptor(rawValue: anonymous), name: nil, prefixLimit: prefixLimit, directLargeWrites: self.directLargeWrites)
        }
        // Filesystems without O_TMPFILE: a named file, removed on release or, after a crash, by the
        // start-up sweep of the instance that finds this one gone.
        let path = "\(self.temporaryDirectory)/\(self.journal.instance).\(StorageNaming.randomUUID()).part"
        return TempFile(
            descriptor: try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_EXCL), name: path, prefixLimit: prefixLimit,
            directLargeWrites: self.directLargeWrites)
    }

    /// One file to place: a temp file, or an existing file to adopt (nginx's body file).
    package struct Placement {
        package enum Source {
            case temp(TempFile)
            case path(String)
        }

        package var source: Source
        /// The id of the row that will describe it.
        package var id: String
        package var storedPath: String
        package var overwrite: Bool

        package init(source: Source, id: String, storedPath: String, overwrite: Bool) {
            self.source = source
            self.id = id
            self.storedPath = storedPath
            self.overwrite = overwrite
        }

        var linkSource: String {
            switch self.source {
            case .temp(let temp): temp.linkSource
            case .path(let path): path
            }
        }

        /// The inode that placing creates a name for: recovery removes a name only if it is this one.
        func inode() throws(SystemError) -> UInt64 {
            var status = stat()
            switch self.source {
            case .temp(let temp): status = try temp.descriptor.status()
            case .path(let path): try syscall("stat(\(path))") { stat(path, &status) }
            }
            return UInt64(status.st_ino)
        }
    }

    /// Places files and commits their rows as one unit.
    ///
    /// New names are `link()`ed (atomic, never clobbering: a taken name is `StoreError.exists`);
    /// replacements are linked under a staging name and `rename()`d over the target after
    /// `commitRows` succeeded, with the path's lock held from before the commit to after the rename.
    /// When durable, the new names are synced before the commit, so a committed row never outlives
    /// its file. On any failure every name this call made is removed again.
    /// - Parameters:
    ///   - placements: the files, their row ids and stored paths.
    ///   - commitRows: writes the database rows; runs after the new names exist.
    package func place(_ placements: [Placement], commitRows: () throws -> Void) throws {
        for placement in placements where !StorageNaming.isSafeStoredPath(placement.storedPath) {
            throw StoreError.unsafePath(placement.storedPath)
        }
        // Files adopted from elsewhere become this instance's temp files first (see `adopt`).
        var placements = placements
        var adopted: [TempFile] = []
        for index in placements.indices {
            guard case .path(let path) = placements[index].source else { continue }
            let temp = try self.adopt(path)
            adopted.append(temp)
            placements[index].source = .temp(temp)
        }
        try withExtendedLifetime(adopted) { try self.placeTemps(placements, commitRows: commitRows) }
    }

    /// A file from outside the store (nginx's body file) as a named temp file of this instance:
    /// linked when it can be, copied when not. `link()` fails with EXDEV across mount points even on
    /// one filesystem (a bind mount, a container volume), which no comparison of device numbers
    /// shows beforehand. Until placed, the name is this instance's, so a crash leaves nothing that
    /// the start-up sweep does not remove.
    private func adopt(_ path: String) throws(SystemError) -> TempFile {
        let name = "\(self.temporaryDirectory)/\(self.journal.instance).\(StorageNaming.randomUUID()).part"
        if linkat(AT_FDCWD, path, AT_FDCWD, name, 0) == 0 {
            return TempFile(descriptor: try FileDescriptor.open(name, O_RDONLY), name: name, prefixLimit: 0)
        }
        guard errno == EXDEV else { throw SystemError(errno: errno, function: "link(\(path))") }
        let source = try FileDescriptor.open(path, O_RDONLY)
        defer { source.close() }
        let temp = TempFile(descriptor: try FileDescriptor.open(name, O_RDWR | O_CREAT | O_EXCL), name: name, prefixLimit: 0)
        // The kernel copies; no byte passes through user space.
        while try syscall("sendfile") { sendfile(temp.descriptor.rawValue, source.rawValue, nil, 1 << 30) } > 0 {}
        if self.durable { try temp.descriptor.sync() }
        return temp
    }

    private func placeTemps(_ placements: [Placement], commitRows: () throws -> Void) throws {
        let token = self.nextToken()
        var lines: [String] = []
        for placement in placements {
            lines.append("\(placement.overwrite ? "replace" : "new")\t\(placement.id)\t\(placement.storedPath)\t\(try placement.inode())")
        }
        try self.pathLocks.withLocks(placements.map(\.storedPath)) {
            try self.journal.begin(token: token, lines: lines)
            var made: [String] = []
            var staged: [(String, String)] = []
            do {
                for placement in placements {
                    let target = self.absolute(placement.storedPath)
                    let name = placement.overwrite ? "\(target).\(token).staging" : target
                    try self.link(placement.linkSource, name, storedPath: placement.storedPath, overwrite: placement.overwrite)
                    made.append(name)
                    if placement.overwrite { staged.append((name, target)) }
                }
                if self.durable { self.syncDirectories(of: placements.map(\.storedPath)) }
                try commitRows()
            } catch {
                for path in made { unlink(path) }
                self.journal.end(token: token)
                throw error
            }
            // Rows are committed: from here on the request has succeeded. A rename that fails here is
            // left to recovery (the journal entry stays open), which rolls it forward at next start.
            var finished = true
            for (staging, target) in staged where rename(staging, target) != 0 {
                Log.error("rename into \(target) failed (errno \(errno)); recovery will complete it")
                finished = false
            }
            if self.durable && !staged.isEmpty { self.syncDirectories(of: placements.map(\.storedPath)) }
            if finished { self.journal.end(token: token) }
        }
    }

    private func link(_ source: String, _ name: String, storedPath: String, overwrite: Bool) throws {
        let directory = FileSystem.parentDirectory(of: name)
        try self.ensureDirectory(directory)
        var linked = linkat(AT_FDCWD, source, AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0
        if !linked && errno == ENOENT {
            // The directory was removed behind our back (cleanup by an operator): make it again once.
            self.knownDirectories.withLock { _ = $0.remove(directory) }
            try self.ensureDirectory(directory)
            linked = linkat(AT_FDCWD, source, AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0
        }
        if !linked {
            let code = errno
            if code == EEXIST && !overwrite { throw StoreError.exists(storedPath) }
            throw StoreError.system(SystemError(errno: code, function: "link(\(storedPath))"))
        }
    }

    /// Removes a stored file and its rows as one unit: journalled, the rows committed first (a
    /// reader never finds a row whose file is gone), then the file unlinked, under the path's lock.
    /// - Parameters:
    ///   - id: the id of the row being removed.
    ///   - storedPath: its path.
    ///   - commitRows: deletes the rows; its value is returned.
    package func remove<T>(id: String, storedPath: String, commitRows: () throws -> T) throws -> T {
        let target = self.absolute(storedPath)
        return try self.pathLocks.withLocks([storedPath]) {
            var status = stat()
            let inode = stat(target, &status) == 0 ? UInt64(status.st_ino) : 0
            let token = self.nextToken()
            try self.journal.begin(token: token, lines: ["delete\t\(id)\t\(storedPath)\t\(inode)"])
            let result: T
            do {
                result = try commitRows()
            } catch {
                self.journal.end(token: token)
                throw error
            }
            if unlink(target) == 0, self.durable { FileStore.syncDirectory(FileSystem.parentDirectory(of: target)) }
            self.journal.end(token: token)
            return result
        }
    }

    private func ensureDirectory(_ path: String) throws(SystemError) {
        if self.knownDirectories.withLock({ $0.contains(path) }) { return }
        try FileSystem.makeDirectories(path)
        self.knownDirectories.withLock { known in
            if known.count > 10_000 { known.removeAll() }
            known.insert(path)
        }
    }

    /// True when a stored path exists as a regular file.
    package func exists(_ storedPath: String) -> Bool {
        var status = stat()
        return stat(self.absolute(storedPath), &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
    }

    // MARK: Recovery

    /// What start-up recovery did.
    package struct RecoveryReport: Sendable, Equatable {
        /// Committed overwrites whose rename was completed.
        package var rolledForward = 0
        /// Names removed: uncommitted placements, committed deletes, staging and temp files.
        package var removed = 0
    }

    /// Start-up repair after a crash, for this node's instances that are gone (never a live one,
    /// never another node's): each operation its journal left open is rolled forward if the
    /// database committed it and back if not; then its named temp files are removed.
    /// - Parameters:
    ///   - allNodes: every node's dead instances (`depot check --repair`, run by an operator who
    ///     knows a node is gone for good), not only this one's.
    ///   - rowAt: the id of the row at a stored path, or nil when there is none.
    package func recover(allNodes: Bool = false, rowAt: (String) throws -> String?) throws -> RecoveryReport {
        var report = RecoveryReport()
        let node = allNodes ? nil : self.node
        let live = try Journal.recoverDead(in: self.temporaryDirectory, node: node) { _, unfinished in
            for (token, lines) in unfinished {
                for line in lines { try self.repair(line, token: token, rowAt: rowAt, report: &report) }
            }
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: self.temporaryDirectory)) ?? [] {
            guard let instance = FileStore.instance(ofTempName: name), !live.contains(instance) else { continue }
            // Another node's temp files are its own to sweep.
            if let node, !Journal.instance(instance, belongsTo: node) { continue }
            if unlink("\(self.temporaryDirectory)/\(name)") == 0 { report.removed += 1 }
        }
        return report
    }

    private func repair(_ line: String, token: String, rowAt: (String) throws -> String?, report: inout RecoveryReport) throws {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        // Current lines: op, id, path, inode. Journals of earlier versions: op, path.
        guard fields.count == 4 || fields.count == 2 else { return }
        let (operation, id, storedPath) = fields.count == 4 ? (fields[0], fields[1], fields[2]) : (fields[0], "", fields[1])
        let inode = fields.count == 4 ? UInt64(fields[3]) : nil
        let target = self.absolute(storedPath)
        switch operation {
        case "replace":
            let staging = "\(target).\(token).staging"
            guard access(staging, F_OK) == 0 else { return }
            if !id.isEmpty, try rowAt(storedPath) == id {
                // Committed: the row already describes the staged bytes.
                if rename(staging, target) == 0 { report.rolledForward += 1 }
            } else if unlink(staging) == 0 {
                report.removed += 1
            }
        case "new", "delete":
            // A new name whose row never came, or a deleted row whose file stayed: remove the name,
            // but only if it is still the inode the operation knew (never someone else's file).
            guard try rowAt(storedPath) == nil, FileStore.inode(of: target).map({ inode == nil || $0 == inode }) == true else { return }
            if unlink(target) == 0 { report.removed += 1 }
        default:
            return
        }
        if self.durable { FileStore.syncDirectory(FileSystem.parentDirectory(of: target)) }
    }

    /// The instance a name in `.tmp` belongs to: `{instance}.journal-new`, `{instance}.{uuid}.part`.
    package static func instance(ofTempName name: String) -> String? {
        if name.hasSuffix(".journal-new") { return String(name.dropLast(".journal-new".count)) }
        guard name.hasSuffix(".part"), let dot = name.firstIndex(of: ".") else { return nil }
        return String(name[..<dot])
    }

    /// True while the instance that made a temp or staging name still runs.
    package static func isLive(instance: String, temporaryDirectory: String) -> Bool {
        Journal.isLive(instance: instance, in: temporaryDirectory)
    }

    /// The operations a journal file holds that began and never ended (read-only).
    package static func unfinishedOperations(journal path: String) -> [(token: String, lines: [String])] {
        Journal.unfinished(path)
    }

    /// Ends this instance cleanly: its journal, with nothing in flight, is removed.
    package func close() { self.journal.removeIfIdle() }

    /// The instance a staging name (`{target}.{instance}-{n}.staging`) belongs to.
    package static func instance(ofStagingName name: String) -> String? {
        guard name.hasSuffix(".staging") else { return nil }
        let token = name.dropLast(".staging".count).split(separator: ".").last ?? ""
        guard let dash = token.lastIndex(of: "-") else { return nil }
        return String(token[..<dash])
    }

    private static func inode(of path: String) -> UInt64? {
        var status = stat()
        return stat(path, &status) == 0 ? UInt64(status.st_ino) : nil
    }

    private func syncDirectories(of storedPaths: [String]) {
        for directory in Set(storedPaths.map { FileSystem.parentDirectory(of: self.absolute($0)) }) {
            FileStore.syncDirectory(directory)
        }
    }

    private static func syncDirectory(_ path: String) {
        guard let directory = try? FileDescriptor.open(path, O_RDONLY | O_DIRECTORY) else { return }
        directory.closeAfter { try? directory.sync() }
    }
}
