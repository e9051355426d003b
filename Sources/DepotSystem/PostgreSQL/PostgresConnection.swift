internal import CPostgres
import DepotCore
import Glibc

/// A PostgreSQL error: libpq's message and, when the server sent one, the SQLSTATE.
package struct PostgresError: Error, Sendable, CustomStringConvertible {
    package var message: String
    /// Five characters (`23505`), or "" for errors that never reached the server.
    package var sqlState: String
    /// True when the connection is gone or the server cannot serve now (shut down, restarting,
    /// unreachable): the request may succeed later, and the connection must be made again.
    package var isUnavailable: Bool

    package var isUniqueViolation: Bool { self.sqlState == "23505" }
    package var isDiskFull: Bool { self.sqlState == "53100" }

    package var description: String { self.sqlState.isEmpty ? self.message : "\(self.message) (SQLSTATE \(self.sqlState))" }

    /// Server states that mean "not now" rather than "wrong": connection exceptions (08),
    /// operator intervention (57P01–57P05: shutdown, crash recovery, cannot connect now).
    static func unavailable(sqlState: String) -> Bool {
        sqlState.hasPrefix("08") || ["57P01", "57P02", "57P03", "57P04", "57P05"].contains(sqlState)
    }
}

/// One libpq connection, used by one thread at a time. Statements are prepared once per connection
/// (by name, on first use) and run with text parameters; results are read as text. Freed in deinit.
package final class PostgresConnection {
    private let handle: OpaquePointer
    /// SQL text → prepared statement name, for this connection.
    private var prepared: [String: String] = [:]
    /// Commands sent so far (a pool retries only when the first one on a reused connection failed).
    package private(set) var commandsSent = 0

    /// Connects (libpq URI or key=value string).
    /// - Throws: `PostgresError` (unavailable) when the server cannot be reached.
    package init(url: String) throws(PostgresError) {
        guard let handle = PQconnectdb(url) else {
            throw PostgresError(message: "out of memory", sqlState: "", isUnavailable: true)
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = Self.text(PQerrorMessage(handle))
            PQfinish(handle)
            throw PostgresError(message: message, sqlState: "", isUnavailable: true)
        }
        self.handle = handle
        // Notices (e.g. "relation already exists, skipping") are not errors; keep them out of stderr.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
    }

    deinit { PQfinish(self.handle) }

    /// False once the connection broke (the server restarted, the network went away).
    package var isHealthy: Bool { PQstatus(self.handle) == CONNECTION_OK }

    /// Runs one or more statements without parameters (DDL, BEGIN, COMMIT).
    @discardableResult
    package func execute(_ sql: String) throws(PostgresError) -> PostgresResult {
        self.commandsSent += 1
        return try self.check(PQexec(self.handle, sql))
    }

    /// Runs a statement with text parameters (nil is SQL NULL), preparing it on first use.
    @discardableResult
    package func query(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> PostgresResult {
        self.commandsSent += 1
        let name: String
        if let known = self.prepared[sql] {
            name = known
        } else {
            name = "s\(self.prepared.count)"
            try self.check(PQprepare(self.handle, name, sql, Int32(parameters.count), nil))
            self.prepared[sql] = name
        }
        // Parameters as C strings that live until PQexecPrepared returns.
        let cStrings: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { for pointer in cStrings { free(pointer) } }
        let result = cStrings.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { values in
                PQexecPrepared(self.handle, name, Int32(parameters.count), values.baseAddress, nil, nil, 0)
            }
        }
        return try self.check(result)
    }

    /// Runs a statement with parameters without preparing it (one-off statements such as DECLARE).
    @discardableResult
    package func queryOnce(_ sql: String, _ parameters: [String?]) throws(PostgresError) -> PostgresResult {
        self.commandsSent += 1
        let cStrings: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { for pointer in cStrings { free(pointer) } }
        let result = cStrings.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { values in
                PQexecParams(self.handle, sql, Int32(parameters.count), nil, values.baseAddress, nil, nil, 0)
            }
        }
        return try self.check(result)
    }

    /// Waits up to `milliseconds` for notifications on the channels this connection LISTENs to.
    /// - Returns: their payloads, in the order the server sent them (empty after a quiet wait).
    /// - Throws: `PostgresError` (unavailable) once the connection is gone.
    package func waitForNotifications(milliseconds: Int32) throws(PostgresError) -> [String] {
        var payloads = self.drainNotifications()
        guard payloads.isEmpty else { return payloads }
        var descriptor = pollfd(fd: PQsocket(self.handle), events: Int16(POLLIN), revents: 0)
        guard descriptor.fd >= 0 else { throw self.lost() }
        let ready = poll(&descriptor, 1, milliseconds)
        if ready < 0 && errno != EINTR { throw self.lost() }
        if ready > 0 {
            // A closed or reset socket reads as ready; PQconsumeInput then fails.
            guard PQconsumeInput(self.handle) == 1, self.isHealthy else { throw self.lost() }
            payloads = self.drainNotifications()
        }
        return payloads
    }

    private func drainNotifications() -> [String] {
        var payloads: [String] = []
        while let notification = PQnotifies(self.handle) {
            payloads.append(String(cString: notification.pointee.extra))
            PQfreemem(notification)
        }
        return payloads
    }

    private func lost() -> PostgresError {
        PostgresError(message: Self.text(PQerrorMessage(self.handle)), sqlState: "", isUnavailable: true)
    }

    private func check(_ result: OpaquePointer?) throws(PostgresError) -> PostgresResult {
        guard let result else {
            throw PostgresError(message: Self.text(PQerrorMessage(self.handle)), sqlState: "", isUnavailable: !self.isHealthy)
        }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
            let message = Self.text(PQresultErrorMessage(result))
            PQclear(result)
            // Every error the server reports has a SQLSTATE; one without is libpq's own, about the
            // connection (the server went away mid-statement), so the request may work later.
            let unavailable = state.isEmpty || !self.isHealthy || PostgresError.unavailable(sqlState: state)
            if unavailable { self.prepared.removeAll() }
            throw PostgresError(message: message, sqlState: state, isUnavailable: unavailable)
        }
        return PostgresResult(result)
    }

    private static func text(_ pointer: UnsafePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        // One line: libpq's messages span several, and log lines must not.
        let text = String(cString: pointer).split(whereSeparator: \.isNewline).map { Substring($0).trimmingWhitespace() }
        return text.filter { !$0.isEmpty }.joined(separator: " ")
    }
}

/// The rows of one result, read as text. Freed in deinit.
package final class PostgresResult {
    private let raw: OpaquePointer

    init(_ raw: OpaquePointer) { self.raw = raw }

    deinit { PQclear(self.raw) }

    package var rowCount: Int { Int(PQntuples(self.raw)) }

    /// Rows an INSERT, UPDATE or DELETE touched.
    package var affectedRows: Int { Int(String(cString: PQcmdTuples(self.raw))) ?? 0 }

    /// The value at (row, column) as text; nil for NULL.
    package func text(_ row: Int, _ column: Int) -> String? {
        guard PQgetisnull(self.raw, Int32(row), Int32(column)) == 0 else { return nil }
        return String(cString: PQgetvalue(self.raw, Int32(row), Int32(column)))
    }

    /// The value at (row, column) as a whole number; 0 for NULL.
    package func int(_ row: Int, _ column: Int) -> Int64 {
        self.text(row, column).flatMap { Int64($0) } ?? 0
    }
}
