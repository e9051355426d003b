import Synchronization

/// Connections handed out one at a time; a worker thread borrows one per request.
package final class DatabasePool: Sendable {
    private let idle: Mutex<[SQLiteDatabase]>
    private let open: @Sendable () throws -> SQLiteDatabase

    /// - Parameter open: makes a new connection when none is idle.
    package init(open: @escaping @Sendable () throws -> SQLiteDatabase) {
        self.idle = Mutex([])
        self.open = open
    }

    /// Runs `body` with a connection that no other thread uses meanwhile.
    package func withConnection<T>(_ body: (SQLiteDatabase) throws -> T) throws -> T {
        let borrowed = try self.idle.withLock { $0.popLast() } ?? self.open()
        defer { self.idle.withLock { $0.append(borrowed) } }
        return try body(borrowed)
    }
}
