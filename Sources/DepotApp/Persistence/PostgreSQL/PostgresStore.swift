import DepotCore
import DepotSystem
import Glibc

/// The store on PostgreSQL (`database.url`), through libpq: one connection per worker thread,
/// every statement prepared once per connection, a transaction per unit of work. Connections
/// broken by a database restart are made again on the next request (until then: 503 code 50300).
package final class PostgresStore: Persistence {
    private let url: String
    private let pool: PostgresPool
    /// The rows downloads read, on while `startBackgroundWork`'s listener hears invalidations.
    package let fileCache: ServedFileCache

    /// Connects once, so a wrong URL or a database that is down fails start-up.
    /// - Parameter durable: `storage.durable`. Off, commits do not wait for the WAL flush
    ///   (`synchronous_commit = off`): the same promise as SQLite's `synchronous = NORMAL`, where a
    ///   power cut may lose the last commits but never leaves them half-applied.
    ///   - fileCacheEntries: `database.file_cache` (0: every download asks the database).
    /// - Throws: `PostgresError` naming what went wrong.
    package init(url: String, durable: Bool = true, fileCacheEntries: Int = 0) throws {
        self.url = url
        self.fileCache = ServedFileCache(capacity: fileCacheEntries)
        self.pool = PostgresPool(url: url, setup: durable ? [] : ["SET synchronous_commit = off"])
        try self.pool.withConnection { _ in }
    }

    @discardableResult
    package func migrate() throws -> [Int] {
        try self.pool.transaction { connection in
            // A schema change is never left to a lost commit, whatever storage.durable says.
            try connection.execute("SET LOCAL synchronous_commit = on")
            // Every responder that starts takes the same lock: the first migrates, the rest find it done.
            try connection.query("SELECT pg_advisory_xact_lock($1)", [String(PostgresSchema.migrationLock)])
            try connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
            var applied: [Int] = []
            for migration in PostgresSchema.migrations {
                let done = try connection.query("SELECT 1 FROM schema_version WHERE version = $1", [String(migration.version)]).rowCount > 0
                if done { continue }
                try connection.execute(migration.sql)
                try connection.query("INSERT INTO schema_version (version) VALUES ($1)", [String(migration.version)])
                applied.append(migration.version)
            }
            return applied
        }
    }

    package func prepareThread() throws {
        try self.pool.withConnection { _ in }
    }

    /// Starts the file cache's listener (PostgreSQL does its own checkpoints and vacuum).
    package func startBackgroundWork(checkpointPages: Int) throws {
        // Every node folds the materials count log; a fold finds nothing when another just ran.
        let url = self.url
        _ = try JoinableThread(stackSize: 256 << 10) { Self.foldCounts(url: url, every: 1) }
        guard self.fileCache.capacity > 0 else { return }
        let cache = self.fileCache
        _ = try JoinableThread(stackSize: 256 << 10) { Self.listen(url: url, cache: cache) }
    }

    /// Moves the materials count log into the per-mall counters (see PostgreSQL migration 4), so a
    /// list's total stays one counter row plus the last moment's log rows.
    package func foldMaterialCounts() throws {
        try self.pool.withConnection { _ = try $0.execute(PostgresStatements.foldMaterialCounts) }
    }

    private static func foldCounts(url: String, every seconds: UInt32) {
        var connection: PostgresConnection?
        var warned = false
        while true {
            do {
                if connection == nil { connection = try PostgresConnection(url: url) }
                try connection!.execute(PostgresStatements.foldMaterialCounts)
                warned = false
            } catch {
                connection = nil
                if !warned { Log.warn("materials count fold: \(error) (totals stay exact; the log grows until it works again)") }
                warned = true
            }
            sleep(seconds)
        }
    }

    /// Keeps one connection listening to the file channel, for ever: each payload is an id to
    /// forget. The cache is on only while this connection is up; after a failure it is off and
    /// empty until a new connection listens again.
    private static func listen(url: String, cache: ServedFileCache) {
        var warned = false
        while true {
            do {
                let connection = try PostgresConnection(url: url)
                try connection.execute("LISTEN \(PostgresStatements.fileChannel)")
                cache.enable()
                if warned { Log.info("file cache: listening again") }
                warned = false
                while true {
                    for id in try connection.waitForNotifications(milliseconds: 5000) { cache.invalidate(id: id) }
                }
            } catch {
                cache.disable()
                if !warned { Log.warn("file cache off until the database is back: \(error)") }
                warned = true
                usleep(500_000)
            }
        }
    }

    package func checkHealth() throws {
        try self.pool.withConnection { _ = try $0.query(PostgresStatements.health) }
    }

    /// The database is on another machine: its free space is PostgreSQL's to watch.
    package var localDirectory: String? { nil }

    package var name: String { "postgresql" }

    // MARK: Files

    package func file(id: String) throws -> ServedFile? {
        try self.servedFile(PostgresStatements.servedFileByID, id, self.fileCache.lookup(id: id))
    }

    package func file(path: String) throws -> ServedFile? {
        try self.servedFile(PostgresStatements.servedFileByPath, path, self.fileCache.lookup(path: path))
    }

    private func servedFile(_ sql: String, _ key: String, _ cached: ServedFileCache.Lookup) throws -> ServedFile? {
        guard case .miss(let generation) = cached else {
            if case .hit(let file) = cached { return file }
            return nil
        }
        return try self.pool.withConnection { connection in
            let result = try connection.query(sql, [key])
            guard result.rowCount > 0 else { return nil }
            let id = result.text(0, 0) ?? ""
            let file = ServedFile(
                namespace: result.text(0, 1) ?? "", path: result.text(0, 2) ?? "", contentType: result.text(0, 3) ?? "",
                originFilename: result.text(0, 4) ?? "", sha256: result.text(0, 5) ?? "")
            self.fileCache.fill(id: id, file, generation: generation)
            return file
        }
    }

    package func fileRecord(id: String) throws -> FileRecord? {
        try self.pool.withConnection { connection in
            let r = try connection.query(PostgresStatements.fileRecordByID, [id])
            guard r.rowCount > 0 else { return nil }
            return FileRecord(
                id: r.text(0, 0) ?? "", namespace: r.text(0, 1) ?? "", path: r.text(0, 2) ?? "", field: r.text(0, 3),
                originFilename: r.text(0, 4) ?? "", size: r.int(0, 5), sha256: r.text(0, 6) ?? "", contentType: r.text(0, 7) ?? "",
                format: r.text(0, 8), width: r.text(0, 9).flatMap { Int($0) }, height: r.text(0, 10).flatMap { Int($0) },
                metadata: r.text(0, 11) ?? "{}", createdAt: r.text(0, 12) ?? "")
        }
    }

    package func fileID(path: String) throws -> String? {
        try self.pool.withConnection { connection in
            let result = try connection.query(PostgresStatements.fileIDByPath, [path])
            return result.rowCount > 0 ? result.text(0, 0) : nil
        }
    }

    // MARK: Thumbnails

    package func thumbnail(fileID: String, variant: String) throws -> StoredThumbnail? {
        try self.pool.withConnection { connection in
            let result = try connection.query(PostgresStatements.thumbnailByVariant, [fileID, variant])
            return result.rowCount > 0 ? Self.thumbnail(result, 0) : nil
        }
    }

    private static func thumbnail(_ result: PostgresResult, _ row: Int) -> StoredThumbnail {
        StoredThumbnail(
            fileID: result.text(row, 0) ?? "", variant: result.text(row, 1) ?? "", path: result.text(row, 2) ?? "",
            contentType: result.text(row, 3) ?? "", size: result.int(row, 4))
    }

    package func thumbnailFileID(path: String) throws -> String? {
        try self.pool.withConnection { connection in
            let result = try connection.query(PostgresStatements.thumbnailFileByPath, [path])
            return result.rowCount > 0 ? result.text(0, 0) : nil
        }
    }

    package func eachThumbnail(_ body: (StoredThumbnail) throws -> Void) throws {
        try self.pool.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { connection in
            try PostgresCursor.each(connection, PostgresStatements.allThumbnails, []) { result, row in try body(Self.thumbnail(result, row)) }
        }
    }

    package func thumbnailGarbage(limit: Int) throws -> [String] {
        try self.pool.withConnection { connection in
            let result = try connection.query(PostgresStatements.thumbnailGarbage, [String(limit)])
            return (0..<result.rowCount).map { result.text($0, 0) ?? "" }
        }
    }

    package func eachFile(_ body: (StoredFileFacts) throws -> Void) throws {
        try self.pool.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { connection in
            try PostgresCursor.each(connection, PostgresStatements.allFiles, []) { result, row in
                try body(StoredFileFacts(id: result.text(row, 0) ?? "", path: result.text(row, 1) ?? "", size: result.int(row, 2), sha256: result.text(row, 3) ?? ""))
            }
        }
    }

    // MARK: Materials

    private static func material(_ result: PostgresResult, _ row: Int) -> MaterialRecord {
        MaterialRecord(
            id: result.int(row, 0), mallID: result.int(row, 1), materialType: Int(result.int(row, 2)), fileID: result.text(row, 3) ?? "",
            basePath: result.text(row, 4) ?? "", width: Int(result.int(row, 5)), height: Int(result.int(row, 6)), size: result.int(row, 7),
            originFilename: result.text(row, 8) ?? "", format: result.text(row, 9) ?? "", createdAt: result.text(row, 10) ?? "")
    }

    package func material(id: Int64) throws -> MaterialRecord? {
        try self.pool.withConnection { connection in
            let result = try connection.query(PostgresStatements.materialByID, [String(id)])
            return result.rowCount > 0 ? Self.material(result, 0) : nil
        }
    }

    package func materials(_ query: MaterialQuery) throws -> MaterialPage {
        let sql = PostgresStatements.materialPage(typed: query.type != nil)
        let filter: [String?] = [String(query.mallID)] + (query.type.map { [String($0)] } ?? [])
        // One snapshot for the count and the page.
        return try self.pool.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { connection in
            let total = try connection.query(sql.count, filter).int(0, 0)
            let page = try connection.query(
                sql.page, filter + [String(query.before ?? Int64.max), String(query.limit + 1), String(query.offset)])
            var items = (0..<page.rowCount).map { Self.material(page, $0) }
            // One row more than the page says whether another page follows.
            let hasMore = items.count > query.limit
            if hasMore { items.removeLast() }
            return MaterialPage(total: total, items: items, hasMore: hasMore)
        }
    }

    package func materialCountDrift() throws -> [MaterialCountDrift] {
        try self.pool.withConnection { connection in
            let result = try connection.query(PostgresStatements.materialCountDrift)
            return (0..<result.rowCount).map {
                MaterialCountDrift(mallID: result.int($0, 0), type: result.int($0, 1), counted: result.int($0, 2), rows: result.int($0, 3))
            }
        }
    }

    package func materialsWithoutFile() throws -> [(id: Int64, fileID: String)] {
        try self.pool.withConnection { connection in
            let result = try connection.query(PostgresStatements.materialsWithoutFile)
            return (0..<result.rowCount).map { (result.int($0, 0), result.text($0, 1) ?? "") }
        }
    }

    // MARK: Resumable uploads

    package func upload(id: String) throws -> ResumableUpload? {
        try self.pool.withConnection { connection in
            let r = try connection.query(PostgresStatements.uploadByID, [id])
            guard r.rowCount > 0 else { return nil }
            var upload = ResumableUpload(
                id: r.text(0, 0) ?? "", namespace: r.text(0, 1) ?? "", length: r.text(0, 2).flatMap { Int64($0) }, expiresAt: r.int(0, 12),
                createdAt: r.text(0, 16) ?? "")
            upload.offset = r.int(0, 3)
            upload.deferred = r.text(0, 4) == "t"
            upload.kind = ResumableUpload.Kind(rawValue: r.text(0, 5) ?? "") ?? .plain
            upload.parts = (r.text(0, 6) ?? "").split(separator: " ").map(String.init)
            upload.metadata = r.text(0, 7) ?? ""
            upload.keepOriginal = r.text(0, 8) == "t"
            upload.overwrite = r.text(0, 9) == "t"
            upload.hashState = Hex.decode(r.text(0, 10) ?? "") ?? []
            upload.hashTag = r.text(0, 11) ?? ""
            upload.leaseOwner = r.text(0, 13)
            upload.leaseUntil = r.int(0, 14)
            upload.outcome = r.text(0, 15)
            return upload
        }
    }

    package func expiredUploads(now: Int64, limit: Int) throws -> [String] {
        try self.pool.withConnection { connection in
            let result = try connection.query(PostgresStatements.expiredUploads, [String(now), String(limit)])
            return (0..<result.rowCount).map { result.text($0, 0) ?? "" }
        }
    }

    package func uploadIDs() throws -> Set<String> {
        try self.pool.withConnection { connection in
            let result = try connection.query(PostgresStatements.allUploads)
            return Set((0..<result.rowCount).map { result.text($0, 0) ?? "" })
        }
    }

    // MARK: Reports

    package func readReport<T>(_ query: ReportQuery, _ body: (any ReportRows) throws -> T) throws -> T {
        // Every pass reads the same snapshot.
        try self.pool.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { connection in
            try body(PostgresReportRows(connection: connection, query: query))
        }
    }

    // MARK: Unit of work

    /// Session advisory locks (two-key form: Depot's class, the path's hash), taken in key order
    /// on this thread's connection and released after `body`. A responder that dies releases them
    /// with its connection.
    package func withPathLocks<T>(_ paths: [String], _ body: () throws -> T) throws -> T {
        let keys = Set(paths.map { Int32(truncatingIfNeeded: pathLockKey($0)) }).sorted()
        try self.pool.withConnection { connection in
            for key in keys { try connection.query("SELECT pg_advisory_lock($1, $2)", [String(Self.pathLockClass), String(key)]) }
        }
        defer {
            // On the same session, which the write in `body` used too (one connection per thread).
            _ = try? self.pool.withConnection { connection in
                for key in keys.reversed() { try connection.query("SELECT pg_advisory_unlock($1, $2)", [String(Self.pathLockClass), String(key)]) }
            }
        }
        return try body()
    }

    /// The first key of path locks ("Depo"); the migration lock uses the one-key form.
    static let pathLockClass: Int32 = 0x4465_706F

    package func write<T>(_ body: @escaping (any PersistenceTransaction) throws -> T) throws -> T {
        var deleted: [String] = []
        // This node reads its own deletes and overwrites at once; other nodes hear the trigger's NOTIFY.
        defer { for id in deleted { self.fileCache.invalidate(id: id) } }
        return try self.pool.transaction { connection in
            let transaction = PostgresTransaction(connection: connection)
            defer { deleted = transaction.deleted.ids }
            return try body(transaction)
        }
    }
}
