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
///
/// Every batch runs on one dedicated writer connection. A connection's page cache is dropped whenever
/// another connection has written, so batches on each leader's own connection re-read every B-tree
/// page they touch; the writer's cache stays warm because nothing else writes.
package final class DatabasePool: Sendable {
    private let idle: Mutex<[SQLiteDatabase]>
    private let open: @Sendable () throws -> SQLiteDatabase
    private let queue = Mutex<WriteQueue>(WriteQueue())
    private let commitLock = NSLock()
    private let writer = WriterSlot()
    private let checkpoints = Mutex<CheckpointTrigger?>(nil)

    /// Most writes one transaction takes, so a long queue does not make the first writer wait long.
    package static let maxBatch = 64

    /// The writer's page cache in KiB (nil: as `open` sets it). It writes every B-tree page a
    /// commit touches, so it gets more than the read connections.
    private let writerCacheKiB: Int?

    /// - Parameters:
    ///   - writerCacheKiB: the writer connection's page cache.
    ///   - open: makes a new connection when none is idle.
    package init(writerCacheKiB: Int? = nil, open: @escaping @Sendable () throws -> SQLiteDatabase) {
        self.idle = Mutex([])
        self.open = open
        self.writerCacheKiB = writerCacheKiB
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

    /// Moves checkpoints off the commit path: once the WAL holds `threshold` frames after a commit,
    /// a background thread copies them into the database file with its own connection, instead of
    /// the committing writer doing it (and its fsyncs) while every other writer waits for the lock.
    /// If the WAL still grows past twice the threshold, it waits for a quiet moment (RESTART).
    package func startBackgroundCheckpoints(threshold: Int) throws {
        let trigger = CheckpointTrigger(threshold: threshold)
        let connection = try self.open()
        self.checkpoints.withLock { $0 = trigger }
        // The writer gets the hook now (opening now, if need be, so descriptors are settled from the start).
        self.commitLock.lock()
        defer { self.commitLock.unlock() }
        if let writer = self.writer.connection {
            writer.onCommit { trigger.commit(walFrames: $0) }
        } else {
            self.writer.connection = try self.openWriter()
        }
        _ = try JoinableThread(stackSize: 256 << 10) {
            while true {
                trigger.waitForWork()
                do {
                    // PASSIVE never blocks writers, but under steady writes the WAL is rarely all copied
                    // at the moment a writer starts, so it only grows. Past twice the threshold, RESTART
                    // waits for a quiet moment so that the next writer starts the WAL over.
                    let (frames, _) = try connection.checkpoint(restart: false)
                    if frames > 2 * threshold { _ = try connection.checkpoint(restart: true) }
                } catch {
                    Log.warn("background checkpoint: \(error)")
                }
            }
        }
    }

    private func openWriter() throws -> SQLiteDatabase {
        let connection = try self.open()
        if let kib = self.writerCacheKiB { try connection.setCacheSize(kib: kib) }
        if let trigger = self.checkpoints.withLock({ $0 }) {
            connection.onCommit { trigger.commit(walFrames: $0) }
        }
        return connection
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
            // The commit lock is held: the writer connection is this thread's until it returns.
            if self.writer.connection == nil { self.writer.connection = try self.openWriter() }
            let connection = self.writer.connection!
            try connection.run("BEGIN IMMEDIATE")
            if batch.count == 1 {
                // Alone in its transaction: no savepoint needed, a failure rolls the whole of it back.
                try connection.run(batch[0].run(connection) ? "COMMIT" : "ROLLBACK")
            } else {
                for item in batch {
                    // Each savepoint is released before the next opens, so one name (one cached statement) serves all.
                    try connection.run("SAVEPOINT w")
                    if item.run(connection) {
                        try connection.run("RELEASE w")
                    } else {
                        try connection.run("ROLLBACK TO w")
                        try connection.run("RELEASE w")
                    }
                }
                try connection.run("COMMIT")
            }
            for item in batch { item.complete(nil) }
        } catch {
            // Whatever failed, the writer must not be left inside a transaction (an error here just
            // means none was open).
            try? self.writer.connection?.execute("ROLLBACK")
            for item in batch { item.complete(error) }
        }
        // Writes queued while this batch ran go into the next one.
        return true
    }
}

/// The writer connection, touched only by the thread holding the pool's commit lock.
private final class WriterSlot: @unchecked Sendable {
    var connection: SQLiteDatabase?
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
