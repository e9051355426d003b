import DepotSystem
import Foundation
import Testing

@Suite struct DatabasePoolTests {
    @Test func concurrentWritesCommitAndAFailingOneIsRolledBackAlone() throws {
        let path = NSTemporaryDirectory() + "depot-pool-\(UUID().uuidString).sqlite3"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let pool = DatabasePool { try SQLiteDatabase(path: path, synchronousFull: false) }
        try pool.withConnection { try $0.execute("CREATE TABLE t (n INTEGER NOT NULL UNIQUE)") }
        let failures = Counter()
        DispatchQueue.concurrentPerform(iterations: 200) { index in
            do {
                try pool.write { database in
                    try database.run("INSERT INTO t (n) VALUES (?1)", [.integer(Int64(index))])
                    if index % 10 == 3 {
                        // A second row, then a failure: both must vanish, and nothing of the others.
                        try database.run("INSERT INTO t (n) VALUES (?1)", [.integer(Int64(10_000 + index))])
                        try database.run("INSERT INTO t (n) VALUES (?1)", [.integer(Int64(index))])
                    }
                }
            } catch {
                failures.increment()
            }
        }
        #expect(failures.value == 20)
        let (count, maximum) = try pool.withConnection { database in
            try database.withStatement("SELECT COUNT(*), MAX(n) FROM t") { statement in
                _ = try statement.step()
                return (statement.int(0), statement.int(1))
            }
        }
        #expect(count == 180)
        #expect(maximum == 199)
    }

    @Test func aWriteReturnsItsValue() throws {
        let path = NSTemporaryDirectory() + "depot-pool-\(UUID().uuidString).sqlite3"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let pool = DatabasePool { try SQLiteDatabase(path: path, synchronousFull: false) }
        let id = try pool.write { database -> Int64 in
            try database.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
            try database.run("INSERT INTO t (v) VALUES ('x')")
            return database.lastInsertRowID
        }
        #expect(id == 1)
    }

    @Test func backgroundCheckpointsCopyTheWALIntoTheDatabaseFile() throws {
        let path = NSTemporaryDirectory() + "depot-pool-\(UUID().uuidString).sqlite3"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let pool = DatabasePool { try SQLiteDatabase(path: path, synchronousFull: false) }
        try pool.write { try $0.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)") }
        try pool.startBackgroundCheckpoints(threshold: 20)
        func databaseFileSize() -> Int { ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0 }
        let before = databaseFileSize()
        // The writer no longer checkpoints itself: only the background thread can grow the file.
        for _ in 0..<200 {
            try pool.write { try $0.run("INSERT INTO t (v) VALUES (?1)", [.text(String(repeating: "x", count: 2000))]) }
        }
        let deadline = Date().addingTimeInterval(10)
        while databaseFileSize() < before + 300_000 && Date() < deadline { usleep(20_000) }
        #expect(databaseFileSize() >= before + 300_000, "database file \(databaseFileSize()) bytes, \(before) before")
        // A write that fails leaves the shared writer usable (no transaction left open).
        #expect(throws: (any Error).self) { try pool.write { try $0.run("INSERT INTO missing VALUES (1)") } }
        let count = try pool.write { database in
            try database.withStatement("SELECT COUNT(*) FROM t") { statement in try statement.step() ? statement.int(0) : -1 }
        }
        #expect(count == 200)
    }
}

@Suite struct CheckpointTriggerTests {
    @Test func firesOnGrowthSinceTheLastCheckpointNotOnWALSize() {
        let trigger = CheckpointTrigger(threshold: 100)
        trigger.commit(walFrames: 60)
        #expect(!trigger.takeWork())
        trigger.commit(walFrames: 120)
        #expect(trigger.takeWork())
        // The WAL is still over the threshold, but has not grown by another threshold: no checkpoint
        // per commit (this was the bug: two fdatasyncs after every commit under steady writes).
        for frames in stride(from: 125, to: 220, by: 5) { trigger.commit(walFrames: frames) }
        #expect(!trigger.takeWork())
        trigger.commit(walFrames: 220)
        #expect(trigger.takeWork())
        // The WAL started over: growth counts from its beginning again.
        trigger.commit(walFrames: 8)
        trigger.commit(walFrames: 99)
        #expect(!trigger.takeWork())
        trigger.commit(walFrames: 100)
        #expect(trigger.takeWork())
    }

    @Test func manyRequestsBeforeTheThreadWakesMakeOneCheckpoint() {
        let trigger = CheckpointTrigger(threshold: 10)
        for frames in stride(from: 10, through: 100, by: 10) { trigger.commit(walFrames: frames) }
        #expect(trigger.takeWork())
        #expect(!trigger.takeWork())
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
