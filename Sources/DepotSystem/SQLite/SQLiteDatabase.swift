internal import CSQLite
import DepotCore
import Glibc

/// One SQLite connection. Used by one thread at a time (the pool hands it out exclusively),
/// opened in WAL mode with a busy timeout; every statement is prepared with bound parameters.
package final class SQLiteDatabase: @unchecked Sendable {
    private var handle: OpaquePointer?
    private var statementCache: [String: SQLiteStatement] = [:]
    private var walHook: Unmanaged<WALHookBox>?

    /// Opens (creating if needed) the database file.
    /// - Parameters:
    ///   - path: the file path.
    ///   - busyTimeoutMilliseconds: how long a writer waits for another's lock.
    ///   - synchronousFull: `synchronous=FULL` (durable commits) rather than NORMAL.
    ///   - cacheKiB: the page cache's size (SQLite's own default is about 2 MiB).
    package init(path: String, busyTimeoutMilliseconds: Int32 = 5000, synchronousFull: Bool = true, cacheKiB: Int = 2000) throws(SQLiteError) {
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let result = sqlite3_open_v2(path, &self.handle, flags, nil)
        guard result == SQLITE_OK else {
            let message = self.handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(self.handle)
            self.handle = nil
            throw SQLiteError(code: result, message: message, context: "open \(path)")
        }
        sqlite3_busy_timeout(self.handle, busyTimeoutMilliseconds)
        // Switching a new file to WAL needs it to itself: processes opening it at the same moment
        // get SQLITE_BUSY at once (SQLite does not call the busy handler here), so wait and retry.
        var waited: Int32 = 0
        while true {
            do throws(SQLiteError) {
                try self.execute("PRAGMA journal_mode = WAL")
                break
            } catch where error.code & 0xFF == SQLITE_BUSY && waited < busyTimeoutMilliseconds {
                usleep(10_000)
                waited += 10
            }
        }
        try self.execute("PRAGMA synchronous = \(synchronousFull ? "FULL" : "NORMAL")")
        try self.execute("PRAGMA foreign_keys = ON")
        try self.setCacheSize(kib: cacheKiB)
    }

    /// Sets the page cache's size in KiB.
    package func setCacheSize(kib: Int) throws(SQLiteError) {
        try self.execute("PRAGMA cache_size = -\(max(64, kib))")
    }

    deinit {
        self.statementCache.removeAll()
        sqlite3_close_v2(self.handle)
        self.walHook?.release()
    }

    /// Calls `handler` after each commit with the number of frames now in the WAL. This replaces
    /// SQLite's automatic checkpoints on this connection: whoever installs it checkpoints.
    package func onCommit(walFrames handler: @escaping @Sendable (Int) -> Void) {
        let box = Unmanaged.passRetained(WALHookBox(handler))
        self.walHook?.release()
        self.walHook = box
        sqlite3_wal_hook(
            self.handle,
            { context, _, _, frames in
                Unmanaged<WALHookBox>.fromOpaque(context!).takeUnretainedValue().handler(Int(frames))
                return SQLITE_OK
            }, box.toOpaque())
    }

    /// Copies WAL frames into the database file.
    /// - Parameter restart: wait for writers and readers so the WAL starts over (blocks writers
    ///   meanwhile); otherwise copy what can be copied without waiting.
    /// - Returns: the frames in the WAL and how many of them are now in the database file.
    package func checkpoint(restart: Bool) throws(SQLiteError) -> (walFrames: Int, copied: Int) {
        var frames: Int32 = 0
        var copied: Int32 = 0
        let mode = restart ? SQLITE_CHECKPOINT_RESTART : SQLITE_CHECKPOINT_PASSIVE
        let result = sqlite3_wal_checkpoint_v2(self.handle, nil, mode, &frames, &copied)
        guard result == SQLITE_OK || (restart && result == SQLITE_BUSY) else {
            throw SQLiteError(code: result, message: String(cString: sqlite3_errmsg(self.handle)), context: "checkpoint")
        }
        return (Int(frames), Int(copied))
    }

    /// Runs SQL without parameters (pragmas, migrations). Several statements may be given.
    package func execute(_ sql: String) throws(SQLiteError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let result = sqlite3_exec(self.handle, sql, nil, nil, &errorMessage)
        guard result == SQLITE_OK else {
            let message = errorMessage.map { String(cString: $0) } ?? "error"
            sqlite3_free(errorMessage)
            throw SQLiteError(code: result, message: message, context: "exec")
        }
    }

    /// Runs `body` with a prepared statement (cached per connection), resetting it afterwards so no
    /// half-stepped statement keeps a read transaction open.
    package func withStatement<T>(_ sql: String, _ body: (SQLiteStatement) throws -> T) throws -> T {
        let statement = try self.prepare(sql)
        defer { statement.reset() }
        return try body(statement)
    }

    /// Most statements a connection keeps prepared. Depot's SQL is a fixed set of strings; a string
    /// made per request (values interpolated instead of bound) would otherwise grow the cache, and
    /// the process, without end. Past the bound a statement is prepared for one use.
    package static let statementCacheLimit = 64

    /// Runs a statement that returns no rows.
    package func run(_ sql: String, _ values: [SQLiteValue] = []) throws {
        try self.withStatement(sql) { try $0.bind(values).run() }
    }

    private func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        // withStatement resets every statement after use, so a cached one is ready as it is.
        if let cached = self.statementCache[sql] { return cached }
        var raw: OpaquePointer?
        let result = sqlite3_prepare_v3(self.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard result == SQLITE_OK, let raw else {
            throw SQLiteError(code: result, message: String(cString: sqlite3_errmsg(self.handle)), context: "prepare")
        }
        let statement = SQLiteStatement(raw: raw, database: self.handle!)
        if self.statementCache.count < SQLiteDatabase.statementCacheLimit { self.statementCache[sql] = statement }
        return statement
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`, rolling back when it throws.
    package func transaction<T>(_ body: () throws -> T) throws -> T {
        try self.execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try self.execute("COMMIT")
            return value
        } catch {
            try? self.execute("ROLLBACK")
            throw error
        }
    }

    /// The rowid of the last insert on this connection.
    package var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(self.handle) }

    /// Rows changed by the last statement.
    package var changes: Int { Int(sqlite3_changes(self.handle)) }

    /// Statements prepared and kept on this connection.
    package var cachedStatements: Int { self.statementCache.count }
}

private final class WALHookBox {
    let handler: @Sendable (Int) -> Void
    init(_ handler: @escaping @Sendable (Int) -> Void) { self.handler = handler }
}
