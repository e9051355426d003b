import DepotCore
import DepotSystem
import Foundation
import Glibc

/// `depot check [--deep] [--repair]`: compares the database with the storage root.
///
/// Every row's file must exist with the row's size (and, with `--deep`, its SHA-256); every stored
/// file must have a row; nothing may be left of instances that no longer run (journals, temp and
/// staging files). Work in progress of a live responder is not a problem: names in a live
/// instance's open journal entries are skipped, and a file without a row is looked up again
/// before it is reported, in case its commit landed meanwhile.
///
/// `--repair` first runs the same recovery as a responder's start-up (rolling committed
/// overwrites forward, uncommitted placements back), then moves stored files without a row to
/// `{root}/.lost+found/` (never deleting them), deletes rows whose file is gone and removes dead
/// temp files; then it checks again.
package struct StoreCheck {
    package enum Problem: Equatable, CustomStringConvertible {
        case missingFile(path: String, id: String)
        case sizeMismatch(path: String, row: Int64, file: Int64)
        case hashMismatch(path: String, row: String, file: String)
        case unreadable(path: String, reason: String)
        case noRow(path: String)
        case danglingMaterial(id: Int64, fileID: String)
        /// A mall's list total (its counter) that differs from its rows.
        case countDrift(MaterialCountDrift)
        case deadJournal(name: String, unfinished: Int)
        case deadTemp(name: String)
        /// A resumable upload's data file whose upload row is gone.
        case orphanUploadData(id: String)
        /// A resumable upload whose data file holds fewer bytes than its row's offset.
        case shortUpload(id: String, offset: Int64, file: Int64)
        /// A thumbnail row whose file is gone (it is made again on the next request once the row goes).
        case missingThumbnail(path: String, fileID: String)
        /// A file under `.thumbnails/` that no row describes (nor the removal queue).
        case thumbnailWithoutRow(path: String)

        package var description: String {
            switch self {
            case .missingFile(let path, let id): "missing file   \(path) (row \(id))"
            case .sizeMismatch(let path, let row, let file): "size mismatch  \(path): row says \(row) bytes, file has \(file)"
            case .hashMismatch(let path, let row, let file): "hash mismatch  \(path): row says \(row.prefix(16))…, file is \(file.prefix(16))…"
            case .unreadable(let path, let reason): "unreadable     \(path): \(reason)"
            case .noRow(let path): "no row         \(path)"
            case .danglingMaterial(let id, let fileID): "no file row    material \(id) (file \(fileID))"
            case .countDrift(let drift):
                "count drift    mall \(drift.mallID) type \(drift.type): total says \(drift.counted), rows \(drift.rows)"
            case .deadJournal(let name, let unfinished): "dead journal   .tmp/\(name) (\(unfinished) unfinished operations)"
            case .deadTemp(let name): "dead temp      \(name)"
            case .orphanUploadData(let id): "no upload row  .tus/\(id)"
            case .shortUpload(let id, let offset, let file): "short upload   .tus/\(id): row says offset \(offset), file has \(file) bytes"
            case .missingThumbnail(let path, let fileID): "missing thumb  \(path) (of file \(fileID))"
            case .thumbnailWithoutRow(let path): "no thumb row   \(path)"
            }
        }
    }

    package struct Report {
        package var rows = 0
        package var files = 0
        package var problems: [Problem] = []
        package var isConsistent: Bool { self.problems.isEmpty }
    }

    let config: Config
    let root: String
    let databasePath: String
    let deep: Bool
    /// Called with (rows, files) now and then, for a progress line.
    var progress: (Int, Int) -> Void = { _, _ in }

    package init(config: Config, deep: Bool, progress: @escaping (Int, Int) -> Void = { _, _ in }) {
        self.config = config
        self.root = config.storageRoot
        self.databasePath = config.databasePath
        self.deep = deep
        self.progress = progress
    }

    private var temporaryDirectory: String { self.root + "/.tmp" }
    private static let recounted = "counted every mall's materials again"

    /// Looks without changing anything.
    package func run() throws -> Report {
        guard !self.config.databaseURL.isEmpty || access(self.databasePath, F_OK) == 0 else { throw SystemError(errno: ENOENT, function: "open(\(self.databasePath))") }
        let persistence = try PersistenceFactory.open(self.config)
        var report = Report()
        let inFlight = self.scanTemporaryDirectory(&report)

        // Rows against files.
        var rowPaths: Set<String> = []
        try persistence.eachFile { row in
            let (id, path, size, sha256) = (row.id, row.path, row.size, row.sha256)
            rowPaths.insert(path)
            report.rows += 1
            if report.rows % 1000 == 0 { self.progress(report.rows, report.files) }
            var status = stat()
            guard stat(self.root + path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
                report.problems.append(.missingFile(path: path, id: id))
                return
            }
            if Int64(status.st_size) != size {
                report.problems.append(.sizeMismatch(path: path, row: size, file: Int64(status.st_size)))
            } else if self.deep {
                do {
                    let digest = try FileDigest.sha256(path: self.root + path, prefixSize: 0).sha256
                    if digest != sha256 { report.problems.append(.hashMismatch(path: path, row: sha256, file: digest)) }
                } catch {
                    report.problems.append(.unreadable(path: path, reason: "\(error)"))
                }
            }
        }
        for (id, fileID) in try persistence.materialsWithoutFile() { report.problems.append(.danglingMaterial(id: id, fileID: fileID)) }
        for drift in try persistence.materialCountDrift() { report.problems.append(.countDrift(drift)) }

        // Files against rows.
        for path in self.storedFiles() {
            report.files += 1
            if report.files % 1000 == 0 { self.progress(report.rows, report.files) }
            if rowPaths.contains(path) || inFlight.contains(path) { continue }
            let name = (path as NSString).lastPathComponent
            if let instance = FileStore.instance(ofStagingName: name) {
                if !instanceIsLive(instance) { report.problems.append(.deadTemp(name: path)) }
                continue
            }
            // Its commit may have landed since the rows were read.
            if try persistence.fileID(path: path) == nil { report.problems.append(.noRow(path: path)) }
        }
        try self.checkResumableUploads(persistence, &report)
        try self.checkThumbnails(persistence, inFlight: inFlight, &report)
        self.progress(report.rows, report.files)
        return report
    }

    /// Resumable uploads: every data file has its row, and holds at least the row's offset (more
    /// is a PATCH in flight, or one that never saved, cut back by the next PATCH).
    private func checkResumableUploads(_ persistence: any Persistence, _ report: inout Report) throws {
        let files = ResumableFiles.ids(in: self.root)
        let rows = try persistence.uploadIDs()
        // Listed before the rows were read: a row is made before its file, so a file whose row is
        // missing is left over, not new (a second look rules out an upload that just completed).
        for id in files where !rows.contains(id) {
            if try persistence.upload(id: id) == nil { report.problems.append(.orphanUploadData(id: id)) }
        }
        for id in rows {
            guard let upload = try persistence.upload(id: id), upload.offset > 0 else { continue }
            var status = stat()
            let size = stat(ResumableFiles.path(id, in: self.root), &status) == 0 ? Int64(status.st_size) : 0
            if size < upload.offset { report.problems.append(.shortUpload(id: id, offset: upload.offset, file: size)) }
        }
    }

    /// Thumbnails: every row's file exists; every file under `.thumbnails/` has a row, or is queued
    /// for removal, or is being placed by a live responder.
    private func checkThumbnails(_ persistence: any Persistence, inFlight: Set<String>, _ report: inout Report) throws {
        // Listed before the rows are read: a file is placed before its row commits, so a file
        // listed here without a row is either left over or looked up again below.
        let files = Self.regularFiles(under: self.root + "/.thumbnails").map { "/.thumbnails/" + $0 }
        var rows: Set<String> = []
        try persistence.eachThumbnail { thumbnail in
            rows.insert(thumbnail.path)
            if access(self.root + thumbnail.path, F_OK) != 0 { report.problems.append(.missingThumbnail(path: thumbnail.path, fileID: thumbnail.fileID)) }
        }
        let queued = Set(try persistence.thumbnailGarbage(limit: Int.max >> 1))
        for path in files where !rows.contains(path) && !queued.contains(path) && !inFlight.contains(path) {
            if try persistence.thumbnailFileID(path: path) == nil { report.problems.append(.thumbnailWithoutRow(path: path)) }
        }
    }

    private static func regularFiles(under directory: String) -> [String] {
        var files: [String] = []
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return files }
        while let item = enumerator.nextObject() as? String {
            var status = stat()
            if lstat(directory + "/" + item, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG { files.append(item) }
        }
        return files
    }

    private func instanceIsLive(_ instance: String) -> Bool {
        FileStore.isLive(instance: instance, temporaryDirectory: self.temporaryDirectory)
    }

    /// Reports dead journals and temp files; returns the stored paths that live instances are
    /// placing right now (not yet committed, so not yet a problem).
    private func scanTemporaryDirectory(_ report: inout Report) -> Set<String> {
        var inFlight: Set<String> = []
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: self.temporaryDirectory)) ?? []).sorted()
        for name in names {
            if name.hasSuffix(".journal") {
                let instance = String(name.dropLast(".journal".count))
                let unfinished = FileStore.unfinishedOperations(journal: "\(self.temporaryDirectory)/\(name)")
                if self.instanceIsLive(instance) {
                    for line in unfinished.flatMap(\.lines) {
                        let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
                        if fields.count >= 3 { inFlight.insert(String(fields[2])) }
                    }
                } else if !unfinished.isEmpty {
                    // A dead journal with nothing open is what any stop leaves: nothing to repair.
                    report.problems.append(.deadJournal(name: name, unfinished: unfinished.count))
                }
            } else if let instance = FileStore.instance(ofTempName: name), !self.instanceIsLive(instance) {
                report.problems.append(.deadTemp(name: ".tmp/\(name)"))
            }
        }
        return inFlight
    }

    /// Every regular file under the root, as a stored path, outside Depot's own folders.
    private func storedFiles() -> [String] {
        var files: [String] = []
        guard let enumerator = FileManager.default.enumerator(atPath: self.root) else { return files }
        while let item = enumerator.nextObject() as? String {
            if enumerator.level == 1 && FileStore.reservedNames.contains(item) {
                enumerator.skipDescendants()
                continue
            }
            var status = stat()
            if lstat(self.root + "/" + item, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG { files.append("/" + item) }
        }
        return files
    }

    /// Repairs what `run` found (recovery first), and returns what it did, one line each.
    package func repair(_ report: Report, config: Config) throws -> [String] {
        var done: [String] = []
        // Start-up recovery handles dead journals properly (roll forward or back, by row and inode).
        let store = try FileStore(root: self.root, durable: config.durable, node: config.node)
        let persistence = try PersistenceFactory.open(config)
        let recovered = try store.recover(allNodes: true) { path in try persistence.ownerID(ofStoredPath: path) }
        if recovered.rolledForward + recovered.removed > 0 {
            done.append("recovered dead journals: \(recovered.rolledForward) overwrites completed, \(recovered.removed) names removed")
        }
        let lostAndFound = self.root + "/.lost+found"
        for problem in report.problems {
            switch problem {
            case .missingFile(let path, let id):
                try persistence.write { try $0.deleteFile(id: id, path: path) }
                done.append("deleted row \(id) of missing \(path)")
            case .noRow(let path):
                // Recovery may have just removed it, or a commit landed: only a file still without a row moves.
                guard access(self.root + path, F_OK) == 0,
                    try persistence.fileID(path: path) == nil
                else { continue }
                let destination = lostAndFound + path
                try FileSystem.makeDirectories(FileSystem.parentDirectory(of: destination))
                try syscall("rename(\(path))") { rename(self.root + path, destination) }
                done.append("moved \(path) to .lost+found\(path)")
            case .danglingMaterial(let id, _):
                _ = try persistence.write { try $0.deleteMaterial(id: id) }
                done.append("deleted material \(id) without a file row")
            case .countDrift:
                // One recount fixes every mall; later drift problems of this report have nothing left to do.
                guard !done.contains(Self.recounted) else { continue }
                try persistence.write { try $0.recountMaterials() }
                done.append(Self.recounted)
            case .deadTemp(let name):
                let path = name.hasPrefix(".tmp/") ? self.root + "/" + name : self.root + name
                if unlink(path) == 0 { done.append("removed \(name)") }
            case .orphanUploadData(let id):
                guard try persistence.upload(id: id) == nil else { continue }
                if unlink(ResumableFiles.path(id, in: self.root)) == 0 { done.append("removed .tus/\(id) (its upload was gone)") }
            case .shortUpload(let id, _, _):
                // Its bytes cannot be trusted: the client starts that upload again (HEAD → 404).
                _ = try persistence.write { try $0.deleteUpload(id: id) }
                unlink(ResumableFiles.path(id, in: self.root))
                done.append("deleted resumable upload \(id), whose data file was short")
            case .missingThumbnail(let path, _):
                try persistence.write { try $0.deleteThumbnail(path: path) }
                done.append("deleted the row of missing thumbnail \(path)")
            case .thumbnailWithoutRow(let path):
                // A thumbnail is derived data: one without a row is removed, not kept (it is made
                // again from its original on request).
                guard try persistence.thumbnailFileID(path: path) == nil else { continue }
                if unlink(self.root + path) == 0 { done.append("removed \(path) (no row)") }
            case .sizeMismatch, .hashMismatch, .unreadable, .deadJournal:
                // Bytes that disagree with their row are kept for a person to judge; dead journals
                // were handled by recovery above.
                continue
            }
        }
        // Files of thumbnails removed with their originals (normally unlinked at once by the node
        // that deleted them, or by any node's sweep within seconds).
        let swept = try Thumbnails.sweepGarbage(storage: store, persistence: persistence, limit: Int.max >> 1)
        if swept > 0 { done.append("removed \(swept) thumbnails of deleted files") }
        withExtendedLifetime(store) {}
        return done
    }
}
