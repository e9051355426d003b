/// Applies numbered schema migrations once each, recording the version in `schema_version`.
package struct Migrator {
    package struct Migration: Sendable {
        package var version: Int
        package var sql: String
        package init(version: Int, sql: String) {
            self.version = version
            self.sql = sql
        }
    }

    package let migrations: [Migration]

    package init(_ migrations: [Migration]) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Brings the database up to the newest version, each migration in its own transaction.
    /// - Returns: the versions applied by this call.
    @discardableResult
    package func migrate(_ database: SQLiteDatabase) throws -> [Int] {
        // In a write transaction, so a process starting at the same moment waits its turn (busy timeout).
        try database.transaction { try database.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY)") }
        var applied: [Int] = []
        for migration in self.migrations {
            try database.transaction {
                // Re-checked inside the write transaction: two processes starting at once apply it once.
                let done = try database.withStatement("SELECT 1 FROM schema_version WHERE version = ?1") {
                    try $0.bind([.integer(Int64(migration.version))]).step()
                }
                guard !done else { return }
                try database.execute(migration.sql)
                try database.run("INSERT INTO schema_version (version) VALUES (?1)", [.integer(Int64(migration.version))])
                applied.append(migration.version)
            }
        }
        return applied
    }

    /// The highest applied version, 0 for a new database.
    package func currentVersion(_ database: SQLiteDatabase) throws -> Int {
        try database.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY)")
        return try database.withStatement("SELECT COALESCE(MAX(version), 0) FROM schema_version") {
            _ = try $0.step()
            return Int($0.int(0))
        }
    }
}
