internal import CSQLite
import DepotCore

/// A prepared statement: bind, step, read columns. Finalized in deinit.
package final class SQLiteStatement {
    private let raw: OpaquePointer
    private let database: OpaquePointer

    init(raw: OpaquePointer, database: OpaquePointer) {
        self.raw = raw
        self.database = database
    }

    deinit { sqlite3_finalize(self.raw) }

    func reset() {
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
