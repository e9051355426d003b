import DepotCore
import DepotSystem
import Foundation

/// The store on one SQLite file: a connection per worker thread for reads, group-committed
/// writes on one writer connection (`DatabasePool`). Every statement is prepared once per
/// connection and bound, never built from values.
package final class SQLiteStore: Persistence {
    package let pool: DatabasePool
    private let path: String
    /// `{database}.locks/`: one file per lock stripe, flock-ed by processes sharing the file.
    private let lockDirectory: String
    static let lockStripes: UInt64 = 256

    /// - Parameters:
    ///   - path: the database file (its directory is made if missing).
    ///   - busyTimeout: seconds a connection waits for another process's lock.
    ///   - durable: `synchronous = FULL` (every commit fsynced) instead of `NORMAL`.
    ///   - cacheKiB: each read connection's page cache; the writer gets four times as much.
    package init(path: String, busyTimeout: Double = 5, durable: Bool = false, cacheKiB: Int = 1024) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileSystem.makeDirectories(directory) }
        self.path = path
        self.lockDirectory = path + ".locks"
        try FileSystem.makeDirectories(self.lockDirectory)
        let busy = Int32(busyTimeout * 1000)
        self.pool = DatabasePool(writerCacheKiB: 4 * cacheKiB) {
            try SQLiteDatabase(path: path, busyTimeoutMilliseconds: busy, synchronousFull: durable, cacheKiB: cacheKiB)
        }
    }

    @discardableResult
    package func migrate() throws -> [Int] {
        try self.pool.withConnection { try SQLiteSchema.migrator.migrate($0) }
    }

    package func prepareThread() throws {
        try self.pool.withConnection { _ in }
    }

    package func startBackgroundWork(checkpointPages: Int) throws {
        try self.pool.startBackgroundCheckpoints(threshold: checkpointPages)
    }

    package func checkHealth() throws {
        try self.pool.withConnection { connection in
            _ = try connection.withStatement(SQLiteStatements.health) { try $0.step() }
        }
    }

    package var name: String { "sqlite" }

    package var localDirectory: String? { FileSystem.parentDirectory(of: self.path) }

    // MARK: Files

    package func file(id: String) throws -> ServedFile? {
        try self.servedFile(SQLiteStatements.servedFileByID, key: id)
    }

    package func file(path: String) throws -> ServedFile? {
        try self.servedFile(SQLiteStatements.servedFileByPath, key: path)
    }

    private func servedFile(_ sql: String, key: String) throws -> ServedFile? {
        try self.pool.withConnection { database in
            try database.withStatement(sql) { statement in
                guard try statement.bind([.text(key)]).step() else { return nil }
                return ServedFile(
                    namespace: statement.text(0) ?? "", path: statement.text(1) ?? "", contentType: statement.text(2) ?? "",
                    originFilename: statement.text(3) ?? "", sha256: statement.text(4) ?? "")
            }
        }
    }

    package func fileRecord(id: String) throws -> FileRecord? {
        try self.pool.withConnection { database in
            try database.withStatement(SQLiteStatements.fileRecordByID) { s in
                guard try s.bind([.text(id)]).step() else { return nil }
                return FileRecord(
                    id: s.text(0) ?? "", namespace: s.text(1) ?? "", path: s.text(2) ?? "", field: s.text(3), originFilename: s.text(4) ?? "",
                    size: s.int(5), sha256: s.text(6) ?? "", contentType: s.text(7) ?? "", format: s.text(8),
                    width: s.isNull(9) ? nil : Int(s.int(9)), height: s.isNull(10) ? nil : Int(s.int(10)), metadata: s.text(11) ?? "{}",
                    createdAt: s.text(12) ?? "")
            }
        }
    }

    package func fileID(path: String) throws -> String? {
        try self.pool.withConnection { database in
            try database.withStatement(SQLiteStatements.fileIDByPath) { try $0.bind([.text(path)]).step() ? $0.text(0) : nil }
        }
    }

    // MARK: Thumbnails

    package func thumbnail(fileID: String, variant: String) throws -> StoredThumbnail? {
        try self.pool.withConnection { database in
            try database.withStatement(SQLiteStatements.thumbnailByVariant) { s in
                try s.bind([.text(fileID), .text(variant)]).step() ? Self.thumbnail(s) : nil
            }
        }
    }

    package func fileAndThumbnail(id: String, variant: String) throws -> (file: ServedFile, thumbnail: StoredThumbnail?)? {
        try self.pool.withConnection { database in
            try database.withStatement(SQLiteStatements.fileAndThumbnail) { s in
                guard try s.bind([.text(id), .text(variant)]).step() else { return nil }
                let file = ServedFile(
                    namespace: s.text(0) ?? "", path: s.text(1) ?? "", contentType: s.text(2) ?? "", originFilename: s.text(3) ?? "", sha256: s.text(4) ?? "")
                guard let path = s.text(5) else { return (file, nil) }
                return (file, StoredThumbnail(fileID: id, variant: variant, path: path, contentType: s.text(6) ?? "", size: s.int(7)))
            }
        }
    }

    private static func thumbnail(_ s: SQLiteStatement) -> StoredThumbnail {
        StoredThumbnail(fileID: s.text(0) ?? "", variant: s.text(1) ?? "", path: s.text(2) ?? "", contentType: s.text(3) ?? "", size: s.int(4))
    }

    package func thumbnailFileID(path: String) throws -> String? {
        try self.pool.withConnection { database in
            try database.withStatement(SQLiteStatements.thumbnailFileByPath) { try $0.bind([.text(path)]).step() ? $0.text(0) : nil }
        }
    }

    package func eachThumbnail(_ body: (StoredThumbnail) throws -> Void) throws {
        try self.pool.withConnection { database in
            try database.withStatement(SQLiteStatements.allThumbnails) { s in
                while try s.step() { try body(Self.thumbnail(s)) }
            }
        }
    }

    package func thumbnailGarbage(limit: Int) throws -> [String] {
        try self.pool.withConnection { database in
            try database.withStatement(SQLiteStatements.thumbnailGarbage) { s in
                _ = try s.bind([.integer(Int64(limit))])
                var paths: [String] = []
                while try s.step() { paths.append(s.text(0) ?? "") }
                return paths
            }
        }
    }

    package func eachFile(_ body: (StoredFileFacts) throws -> Void) throws {
        try self.pool.withConnection { database in
            try database.withStatement(SQLiteStatements.allFiles) { statement in
                while try statement.step() {
                    try body(StoredFileFacts(id: statement.text(0) ?? "", path: statement.text(1) ?? "", size: statement.int(2), sha256: statement.text(3) ?? ""))
                }
            }
        }
    }

    // MARK: Materials

    private static func material(_ s: SQLiteStatement) -> MaterialRecord {
        MaterialRecord(
            id: s.int(0), mallID: s.int(1), materialType: Int(s.int(2)), fileID: s.text(3) ?? "", basePath: s.text(4) ?? "",
            width: Int(s.int(5)), height: Int(s.int(6)), size: s.int(7), originFilename: s.text(8) ?? "", format: s.text(9) ?? "",
            createdAt: s.text(10) ?? "")
    }

    package func material(id: Int64) throws -> MaterialRecord? {
        try self.pool.withConnection { database in
            try database.withStatement(SQLiteStatements.materialByID) {
                try $0.bind([.integer(id)]).step() ? Self.material($0) : nil
            }
        }
    }

    package func materials(_ query: MaterialQuery) throws -> MaterialPage {
        let sql = SQLiteStatements.materialPage(typed: query.type != nil)
        let values: [SQLiteValue] = [.integer(query.mallID)] + (query.type.map { [SQLiteValue.integer($0)] } ?? [])
        return try self.pool.withConnection { database in
            let total = try database.withStatement(sql.count) {
                _ = try $0.bind(values).step()
                return $0.int(0)
            }
            // One row more than the page says whether another page follows.
            var items = try database.withStatement(sql.page) { statement in
                try statement.bind(values + [.integer(query.before ?? Int64.max), .integer(query.limit + 1), .integer(query.offset)])
                var rows: [MaterialRecord] = []
                while try statement.step() { rows.append(Self.material(statement)) }
                return rows
            }
            let hasMore = items.count > query.limit
            if hasMore { items.removeLast() }
            return MaterialPage(total: total, items: items, hasMore: hasMore)
        }
    }

    package func materialCountDrift() throws -> [MaterialCountDrift] {
        try self.pool.withConnection { database in
            try database.withStatement(SQLiteStatements.materialCountDrift) { statement in
                var found: [MaterialCountDrift] = []
                while try statement.step() {
                    found.append(MaterialCountDrift(mallID: statement.int(0), type: statement.int(1), counted: statement.int(2), rows: statement.int(3)))
                }
                return found
            }
        }
    }

    package func materialsWithoutFile() throws -> [(id: Int64, fileID: String)] {
        try self.pool.withConnection { database in
            try database.withStatement(SQLiteStatements.materialsWithoutFile) { statement in
                var found: [(id: Int64, fileID: String)] = []
                while try statement.step() { found.append((statement.int(0), statement.text(1) ?? "")) }
                return found
            }
        }
    }

    // MARK: Resumable uploads

    package func upload(id: String) throws -> ResumableUpload? {
        try self.pool.withConnection { database in
            try database.withStatement(SQLiteStatements.uploadByID) { s in
                guard try s.bind([.text(id)]).step() else { return nil }
                var upload = ResumableUpload(
                    id: s.text(0) ?? "", namespace: s.text(1) ?? "", length: s.isNull(2) ? nil : s.int(2), expiresAt: s.int(12),
                    createdAt: s.text(16) ?? "")
                upload.offset = s.int(3)
                upload.deferred = s.int(4) != 0
                upload.kind = ResumableUpload.Kind(rawValue: s.text(5) ?? "") ?? .plain
                upload.parts = (s.text(6) ?? "").split(separator: " ").map(String.init)
                upload.metadata = s.text(7) ?? ""
                upload.keepOriginal = s.int(8) != 0
                upload.overwrite = s.int(9) != 0
                upload.hashState = Hex.decode(s.text(10) ?? "") ?? []
                upload.hashTag = s.text(11) ?? ""
                upload.leaseOwner = s.text(13)
                upload.leaseUntil = s.int(14)
                upload.outcome = s.text(15)
                return upload
            }
        }
    }

    package func expiredUploads(now: Int64, limit: Int) throws -> [String] {
        try self.pool.withConnection { database in
            try database.withStatement(SQLiteStatements.expiredUploads) { statement in
                try statement.bind([.integer(now), .integer(Int64(limit))])
                var ids: [String] = []
                while try statement.step() { ids.append(statement.text(0) ?? "") }
                return ids
            }
        }
    }

    package func uploadIDs() throws -> Set<String> {
        try self.pool.withConnection { database in
            try database.withStatement(SQLiteStatements.allUploads) { statement in
                var ids: Set<String> = []
                while try statement.step() { ids.insert(statement.text(0) ?? "") }
                return ids
            }
        }
    }

    // MARK: Reports

    package func readReport<T>(_ query: ReportQuery, _ body: (any ReportRows) throws -> T) throws -> T {
        try self.pool.withConnection { database in
            // One read transaction: every pass sees the same rows.
            try database.execute("BEGIN")
            defer { try? database.execute("COMMIT") }
            return try body(SQLiteReportRows(database: database, query: query))
        }
    }

    // MARK: Unit of work

    /// SQLite is shared only by processes on one machine: an flock on a stripe file per path
    /// (sorted, so two holders never wait for each other).
    package func withPathLocks<T>(_ paths: [String], _ body: () throws -> T) throws -> T {
        let stripes = Set(paths.map { pathLockKey($0) % Self.lockStripes }).sorted()
        var held: [FileDescriptor] = []
        defer { for file in held.reversed() { file.close() } }
        for stripe in stripes {
            let file = try FileDescriptor.open(self.lockDirectory + "/" + String(stripe, radix: 16), O_RDWR | O_CREAT, permissions: 0o600)
            held.append(file)
            try syscall("flock") { flock(file.rawValue, LOCK_EX) }
        }
        return try body()
    }

    package func write<T>(_ body: @escaping (any PersistenceTransaction) throws -> T) throws -> T {
        try self.pool.write { database in try body(SQLiteTransaction(database: database)) }
    }
}
