import DepotSystem
import Foundation
import Testing

@Suite struct SQLiteTests {
    func makeTemporaryPath() -> String {
        NSTemporaryDirectory() + "depot-sqlite-\(UUID().uuidString).sqlite3"
    }

    @Test func walModePreparedStatementsAndTransactions() throws {
        let path = makeTemporaryPath()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let database = try SQLiteDatabase(path: path)
        let mode = try database.withStatement("PRAGMA journal_mode") { try $0.step() ? $0.text(0) : nil }
        #expect(mode == "wal")
        try database.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)")
        try database.run("INSERT INTO t (name) VALUES (?1)", [.text("Robert'); DROP TABLE t;--")])
        let name = try database.withStatement("SELECT name FROM t") { try $0.step() ? $0.text(0) : nil }
        #expect(name == "Robert'); DROP TABLE t;--")
        // A failing transaction leaves nothing behind.
        #expect(throws: SQLiteError.self) {
            try database.transaction {
                try database.run("INSERT INTO t (name) VALUES (?1)", [.text("x")])
                try database.run("INSERT INTO t (name) VALUES (?1)", [.text("x")])
            }
        }
        let count = try database.withStatement("SELECT COUNT(*) FROM t") { try $0.step() ? $0.int(0) : -1 }
        #expect(count == 1)
    }

    @Test func constraintErrorsAreRecognised() throws {
        let path = makeTemporaryPath()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let database = try SQLiteDatabase(path: path)
        try database.execute("CREATE TABLE t (name TEXT UNIQUE)")
        try database.run("INSERT INTO t VALUES (?1)", [.text("a")])
        do {
            try database.run("INSERT INTO t VALUES (?1)", [.text("a")])
            Issue.record("expected a constraint violation")
        } catch let error as SQLiteError {
            #expect(error.isConstraintViolation)
        }
    }

    @Test func migrationsApplyOnceInOrder() throws {
        let path = makeTemporaryPath()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let migrator = Migrator([
            .init(version: 2, sql: "ALTER TABLE a ADD COLUMN b TEXT"),
            .init(version: 1, sql: "CREATE TABLE a (x INTEGER)"),
        ])
        let first = try SQLiteDatabase(path: path)
        #expect(try migrator.currentVersion(first) == 0)
        #expect(try migrator.migrate(first) == [1, 2])
        let second = try SQLiteDatabase(path: path)
        #expect(try migrator.migrate(second) == [])
        #expect(try migrator.currentVersion(second) == 2)
        // A broken migration is rolled back and reported.
        let broken = Migrator(migrator.migrations + [.init(version: 3, sql: "CREATE TABLE a (y INTEGER)")])
        #expect(throws: SQLiteError.self) { try broken.migrate(second) }
        #expect(try migrator.currentVersion(second) == 2)
    }

    @Test func cannotOpenAMissingDirectory() {
        #expect(throws: SQLiteError.self) { _ = try SQLiteDatabase(path: "/nonexistent-dir/x/db.sqlite3") }
    }
}
