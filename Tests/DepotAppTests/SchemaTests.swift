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
}
