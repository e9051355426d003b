import DepotApp
import DepotSystem
import Foundation
import Testing

@Suite struct SchemaTests {
    private func migratedDatabase() throws -> (SQLiteDatabase, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("depot-schema-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let database = try SQLiteDatabase(path: "\(directory)/test.sqlite3")
        try Schema.migrator.migrate(database)
        return (database, directory)
    }

    private func plan(_ database: SQLiteDatabase, _ sql: String) throws -> String {
        try database.withStatement("EXPLAIN QUERY PLAN \(sql)") { statement in
            var details: [String] = []
            while try statement.step() { details.append(statement.text(3) ?? "") }
            return details.joined(separator: "; ")
        }
    }

    @Test func everyQueryOfTheHotPathsUsesAnIndex() throws {
        let (database, directory) = try migratedDatabase()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The lookup ON DELETE CASCADE does for every deleted or overwritten file.
        #expect(try plan(database, "SELECT 1 FROM materials WHERE file_id = 'x'").contains("INDEX materials_file (file_id=?)"))
        #expect(try plan(database, "SELECT 1 FROM files WHERE path = '/a'").contains("INDEX sqlite_autoindex_files_2 (path=?)"))
        #expect(try plan(database, "SELECT 1 FROM materials WHERE mall_id = 1 ORDER BY id DESC").contains("INDEX materials_mall (mall_id=?)"))
        #expect(try plan(database, "SELECT 1 FROM materials WHERE created_at >= 'a' AND created_at < 'b'").contains("materials_created"))
    }

    @Test func filesCarryOnlyTheIndexesThatQueriesRead() throws {
        let (database, directory) = try migratedDatabase()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let indexes = try database.withStatement("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'files' ORDER BY name") { statement in
            var names: [String] = []
            while try statement.step() { names.append(statement.text(0) ?? "") }
            return names
        }
        // The primary key and the unique path: each new row costs one page per index.
        #expect(indexes == ["sqlite_autoindex_files_1", "sqlite_autoindex_files_2"])
    }
    @Test func aVersionOneDatabaseUpgradesInPlaceAndKeepsItsRows() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("depot-schema-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try SQLiteDatabase(path: "\(directory)/old.sqlite3")
        // What a deployment made before migration 2 existed.
        #expect(try Migrator(Array(Schema.migrator.migrations.prefix(1))).migrate(database) == [1])
        try database.execute("""
            INSERT INTO files (id, namespace, path, size, sha256, content_type, created_at)
                VALUES ('f1', 'mall', '/mall/2026-01-01/f1.png', 3, 'x', 'image/png', '2026-01-01T00:00:00Z');
            INSERT INTO materials (mall_id, material_type, file_id, base_path, width, height, size, origin_filename, format, created_at)
                VALUES (7, 0, 'f1', '/mall/2026-01-01/f1.png', 1, 1, 3, 'a.png', 'png', '2026-01-01T00:00:00Z');
            """)
        #expect(try Schema.migrator.migrate(database) == [2])
        let materials = try database.withStatement("SELECT COUNT(*) FROM materials WHERE file_id = 'f1'") { try $0.step() ? $0.int(0) : -1 }
        #expect(materials == 1)
        // The cascade still works through the new index.
        try database.execute("PRAGMA foreign_keys = ON; DELETE FROM files WHERE id = 'f1'")
        #expect(try database.withStatement("SELECT COUNT(*) FROM materials") { try $0.step() ? $0.int(0) : -1 } == 0)
    }
}
