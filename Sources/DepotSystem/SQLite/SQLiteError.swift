internal import CSQLite
import DepotCore

/// A SQLite error: the result code, the extended code's message, and what was being done.
package struct SQLiteError: Error, Sendable, CustomStringConvertible {
    package var code: Int32
    package var message: String
    package var context: String

    package var isConstraintViolation: Bool { self.code & 0xFF == SQLITE_CONSTRAINT }
    package var isFull: Bool { self.code & 0xFF == SQLITE_FULL }

    package var description: String { "sqlite \(self.context): \(self.message) (\(self.code))" }
}
