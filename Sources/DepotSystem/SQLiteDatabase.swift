internal import CSQLite
import DepotCore

/// A SQLite error: the result code, the extended code's message, and what was being done.
package struct SQLiteError: Error, Sendable, CustomStringConvertible {
    package var code: Int32
    package var message: String
    package var context: String

    package var isConstraintViolation: Bool { self.code & 0xFF == SQLITE_CONSTRAINT }
    package var isBusy: Bool { self.code & 0xFF == SQLITE_BUSY || self.code & 0xFF == SQLITE_LOCKED }
    package var isFull: Bool { self.code & 0xFF == SQLITE_FULL }

    package var description: String { "sqlite \(self.context): \(self.message) (\(self.code))" }
}

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
        try self.execute("PRAGMA journal_mode = WAL")
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

/// A value bound to a statement parameter.
package enum SQLiteValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
}

/// A prepared statement: bind, step, read columns. Finalized in deinit.
package final class SQLiteStatement {
    private let raw: OpaquePointer
    private let database: OpaquePointer

    fileprivate init(raw: OpaquePointer, database: OpaquePointer) {
        self.raw = raw
        self.database = database
    }

    deinit { sqlite3_finalize(self.raw) }

    fileprivate func reset() {
        sqlite3_reset(self.raw)
        sqlite3_clear_bindings(self.raw)
    }

    /// Binds values to `?1`, `?2`, ... in order.
    @discardableResult
    package func bind(_ values: [SQLiteValue]) throws(SQLiteError) -> SQLiteStatement {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let result: Int32 =
                switch value {
                case .null: sqlite3_bind_null(self.raw, index)
                case .integer(let number): sqlite3_bind_int64(self.raw, index, number)
                case .real(let number): sqlite3_bind_double(self.raw, index, number)
                case .text(let text): sqlite3_bind_text(self.raw, index, text, -1, depot_sqlite_transient())
                }
            guard result == SQLITE_OK else { throw self.error(result, "bind") }
        }
        return self
    }

    /// Advances to the next row.
    /// - Returns: true when a row is available, false when done.
    package func step() throws(SQLiteError) -> Bool {
        let result = sqlite3_step(self.raw)
        switch result {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw self.error(result, "step")
        }
    }

    /// Runs a statement that returns no rows.
    package func run() throws(SQLiteError) {
        while try self.step() {}
    }

    package func int(_ column: Int32) -> Int64 { sqlite3_column_int64(self.raw, column) }
    package func double(_ column: Int32) -> Double { sqlite3_column_double(self.raw, column) }
    package func isNull(_ column: Int32) -> Bool { sqlite3_column_type(self.raw, column) == SQLITE_NULL }

    package func text(_ column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(self.raw, column) else { return nil }
        let count = Int(sqlite3_column_bytes(self.raw, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    private func error(_ code: Int32, _ context: String) -> SQLiteError {
        SQLiteError(code: code, message: String(cString: sqlite3_errmsg(self.database)), context: context)
    }
}

private final class WALHookBox {
    let handler: @Sendable (Int) -> Void
    init(_ handler: @escaping @Sendable (Int) -> Void) { self.handler = handler }
}
