import Foundation
import Synchronization

/// Connections handed out one at a time; a worker thread borrows one per request.
///
/// Writes go through group commit: writers of this process queue, and whoever finds no commit
/// running takes every queued write into one transaction, each inside its own SAVEPOINT (a failing
/// write is rolled back alone and gets its own error). One COMMIT then covers the batch. SQLite's
/// own busy handler sleeps in 1–100 ms steps, and each COMMIT writes its WAL frames, so under
/// contention both cost far more than the statements themselves. Other processes sharing the file
/// still meet the busy timeout.
package final class DatabasePool: Sendable {
    private let idle: Mutex<[SQLiteDatabase]>
    private let open: @Sendable () throws -> SQLiteDatabase
    private let queue = Mutex<WriteQueue>(WriteQueue())
    private let commitLock = NSLock()

    /// Most writes one transaction takes, so a long queue does not make the first writer wait long.
    package static let maxBatch = 64

    /// - Parameter open: makes a new connection when none is idle.
    package init(open: @escaping @Sendable () throws -> SQLiteDatabase) {
        self.idle = Mutex([])
        self.open = open
    }

    /// Each worker thread keeps its own connection (no lock on the common path); a nested use on
    /// the same thread borrows another from the pool.
    private final class ThreadConnection {
        var connection: SQLiteDatabase?
        var inUse = false
    }

    private let perThread = ThreadLocal<ThreadConnection>()

    /// Runs `body` with a connection that no other thread uses meanwhile.
    package func withConnection<T>(_ body: (SQLiteDatabase) throws -> T) throws -> T {
        let mine = self.perThread.value { ThreadConnection() }
        if !mine.inUse {
            if mine.connection == nil { mine.connection = try self.open() }
            mine.inUse = true
            defer { mine.inUse = false }
            return try body(mine.connection!)
        }
        let borrowed = try self.idle.withLock { $0.popLast() } ?? self.open()
        defer { self.idle.withLock { $0.append(borrowed) } }
        return try body(borrowed)
    }

    /// Runs `body` inside a write transaction, possibly batched with other threads' writes.
    /// - Returns: `body`'s value once the transaction holding it has committed.
    /// - Throws: `body`'s error (only its own work is rolled back), or the COMMIT's error.
    package func write<T>(_ body: @escaping (SQLiteDatabase) throws -> T) throws -> T {
        let pending = PendingWrite(body)
        self.queue.withLock { $0.items.append(pending) }
        // Whoever gets the commit lock commits everything queued by then, its own write included
        // unless an earlier leader already took it.
        self.commitLock.lock()
        if !pending.isDone { self.commitQueued() }
        self.commitLock.unlock()
        return try pending.result()
    }

    private func commitQueued() {
        while self.commitBatch() {}
    }

    /// Commits one batch; returns false when the queue was empty.
    private func commitBatch() -> Bool {
        let batch = self.queue.withLock { queue -> [PendingWrite] in
            let taken = Array(queue.items.prefix(DatabasePool.maxBatch))
            queue.items.removeFirst(taken.count)
            return taken
        }
        guard !batch.isEmpty else { return false }
        do {
            try self.withConnection { connection in
                try connection.execute("BEGIN IMMEDIATE")
                for (index, item) in batch.enumerated() {
                    try connection.execute("SAVEPOINT w\(index)")
                    if item.run(connection) {
                        try connection.execute("RELEASE w\(index)")
                    } else {
                        try connection.execute("ROLLBACK TO w\(index); RELEASE w\(index)")
                    }
                }
                do {
                    try connection.execute("COMMIT")
                } catch {
                    try? connection.execute("ROLLBACK")
                    throw error
                }
            }
            for item in batch { item.complete(nil) }
        } catch {
            for item in batch { item.complete(error) }
        }
        // Writes queued while this batch ran go into the next one.
        return true
    }
}

private struct WriteQueue: Sendable {
    var items: [PendingWrite] = []
}

/// One queued write and, once its transaction ended, its outcome.
private final class PendingWrite: @unchecked Sendable {
    // Guarded by the pool's commit lock: written by the leader, read by the owner after it took the lock.
    private let body: (SQLiteDatabase) throws -> Any
    private var value: Any?
    private var error: (any Error)?
    private(set) var isDone = false

    init<T>(_ body: @escaping (SQLiteDatabase) throws -> T) {
        self.body = { try body($0) }
    }

    /// Runs the write; false when it threw (its error is kept for its owner).
    func run(_ connection: SQLiteDatabase) -> Bool {
        do {
            self.value = try self.body(connection)
            return true
        } catch {
            self.error = error
            return false
        }
    }

    /// Marks the write finished; a COMMIT failure overrides a successful value.
    func complete(_ commitError: (any Error)?) {
        if let commitError, self.error == nil { self.error = commitError }
        self.isDone = true
    }

    func result<T>() throws -> T {
        if let error { throw error }
        return self.value as! T
    }
}
