import DepotCore

/// PostgreSQL connections: one per worker thread, made on first use and made again after the
/// server went away. A connection that failed as unavailable is dropped, so the service recovers
/// by itself once the database is back, without a restart.
package final class PostgresPool: Sendable {
    private let url: String
    /// Run on every new connection (session settings).
    private let setup: [String]
    private let perThread = ThreadLocal<Slot>()

    private final class Slot {
        var connection: PostgresConnection?
        var inUse = false
    }

    /// - Parameters:
    ///   - url: a libpq connection URI or key=value string.
    ///   - setup: statements each new connection runs first (`SET synchronous_commit = off`).
    package init(url: String, setup: [String] = []) {
        self.url = url
        self.setup = setup
    }

    private func connect() throws -> PostgresConnection {
        let connection = try PostgresConnection(url: self.url)
        for statement in self.setup { try connection.execute(statement) }
        return connection
    }

    /// Runs `body` with this thread's connection (a nested use on the same thread gets its own,
    /// closed afterwards).
    package func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let slot = self.perThread.value { Slot() }
        guard !slot.inUse else { return try body(try self.connect()) }
        if let connection = slot.connection, !connection.isHealthy { slot.connection = nil }
        let reused = slot.connection != nil
        let connection = try slot.connection ?? self.connect()
        slot.connection = connection
        slot.inUse = true
        defer { slot.inUse = false }
        let sentBefore = connection.commandsSent
        do {
            return try body(connection)
        } catch let error as PostgresError where error.isUnavailable {
            slot.connection = nil
            // A connection that broke while idle (the server restarted since its last use) fails on
            // the first command sent, before anything ran: that, and only that, is tried once more
            // on a new connection. (Writes always start with BEGIN, so a write never runs twice.)
            guard reused, connection.commandsSent == sentBefore + 1 else { throw error }
            let fresh = try self.connect()
            slot.connection = fresh
            do {
                return try body(fresh)
            } catch let error as PostgresError where error.isUnavailable {
                slot.connection = nil
                throw error
            }
        }
    }

    /// Runs `body` in one transaction on this thread's connection: committed when it returns,
    /// rolled back when it throws.
    package func transaction<T>(_ begin: String = "BEGIN", _ body: (PostgresConnection) throws -> T) throws -> T {
        try self.withConnection { connection in
            try connection.execute(begin)
            do {
                let result = try body(connection)
                try connection.execute("COMMIT")
                return result
            } catch {
                if connection.isHealthy { _ = try? connection.execute("ROLLBACK") }
                throw error
            }
        }
    }
}
