import DepotApp
import DepotSystem
import Foundation
import Testing

@Suite struct SchemaTests {
    private func migratedDatabase() throws -> (SQLiteDatabase, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("depot-schema-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let database = try SQLiteDatabase(path: "\(directory)/test.sqlite3")
        try SQLiteSchema.migrator.migrate(database)
        return (database, directory)
    }

    private func plan(_ database: SQLiteDatabase, _ sql: String) throws -> String {
        try database.withStatement("EXPLAIN QUERY PLAN \(sql)") { statement in
            var details: [String] = []
            while try statement.step() { details.append(statement.text(3) ?? "") }
            return details.joined(separator: "; ")
        }
    }

    /// The plan of a statement exactly as the store sends it (parameters left unbound: NULL).
    private func plan(of sql: String, _ database: SQLiteDatabase) throws -> String {
        try plan(database, sql)
    }

    @Test func everyStatementTheStoreRunsUsesAnIndex() throws {
        let (database, directory) = try migratedDatabase()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(SQLiteStatements.reads.count == 27)
        for sql in SQLiteStatements.reads {
            let plan = try plan(of: sql, database)
            // "SCAN t" alone is a walk over the whole table; "SCAN t USING INDEX" reads an index in order.
            // ("SCAN CONSTANT ROW" is the one row of an INSERT ... SELECT without a table.)
            let fullScans = plan.split(separator: ";").filter { $0.contains("SCAN") && !$0.contains("USING") && !$0.contains("CONSTANT ROW") }
            #expect(fullScans.isEmpty, "\(sql): \(plan)")
        }
        // A thumbnail's lookup by file and variant, and the cascade from a deleted file to its thumbnails.
        #expect(try plan(of: SQLiteStatements.thumbnailByVariant, database).contains("PRIMARY KEY (file_id=? AND variant=?)"))
        let joined = try plan(of: SQLiteStatements.fileAndThumbnail, database)
        #expect(joined.contains("sqlite_autoindex_files_1 (id=?)") && joined.contains("PRIMARY KEY (file_id=? AND variant=?)"), "\(joined)")
        #expect(try plan(database, "DELETE FROM thumbnails WHERE file_id = ?1").contains("PRIMARY KEY (file_id=?)"))
        // The lookup ON DELETE CASCADE does for every deleted or overwritten file.
        #expect(try plan(of: SQLiteStatements.cascadeLookup, database).contains("INDEX materials_file (file_id=?)"))
        #expect(try plan(of: SQLiteStatements.servedFileByPath, database).contains("INDEX sqlite_autoindex_files_2 (path=?)"))
        #expect(try plan(of: SQLiteStatements.servedFileByID, database).contains("INDEX sqlite_autoindex_files_1 (id=?)"))
        // A page's ids come from a covering index (an offset walks index entries only), below the cursor.
        let page = try plan(of: SQLiteStatements.materialPage(typed: false).page, database)
        #expect(page.contains("COVERING INDEX materials_mall (mall_id=? AND id<?)") && !page.contains("TEMP B-TREE"), "\(page)")
        let typedPage = try plan(of: SQLiteStatements.materialPage(typed: true).page, database)
        #expect(typedPage.contains("COVERING INDEX materials_mall_type (mall_id=? AND material_type=? AND id<?)"), "\(typedPage)")
        // The total is the counter, not a count.
        #expect(try plan(of: SQLiteStatements.materialPage(typed: true).count, database).contains("material_counts USING PRIMARY KEY (mall_id=? AND material_type=?)"))
        #expect(try !plan(of: SQLiteStatements.materialPage(typed: false).count, database).contains("materials "))
        // The report streams in index order: no temporary sort of the whole range.
        let report = try plan(of: SQLiteStatements.reportRows(mallFilter: false), database)
        #expect(report.contains("materials_created") && !report.contains("TEMP B-TREE"), "\(report)")
        // One mall's report reads that mall's rows in the range only, not every mall's.
        let mallReport = try plan(of: SQLiteStatements.reportRows(mallFilter: true), database)
        #expect(mallReport.contains("materials_mall_created (mall_id=? AND created_at>? AND created_at<?)") && !mallReport.contains("TEMP B-TREE"), "\(mallReport)")
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
        #expect(try Migrator(Array(SQLiteSchema.migrator.migrations.prefix(1))).migrate(database) == [1])
        try database.execute("""
            INSERT INTO files (id, namespace, path, size, sha256, content_type, created_at)
                VALUES ('f1', 'mall', '/mall/2026-01-01/f1.png', 3, 'x', 'image/png', '2026-01-01T00:00:00Z');
            INSERT INTO materials (mall_id, material_type, file_id, base_path, width, height, size, origin_filename, format, created_at)
                VALUES (7, 0, 'f1', '/mall/2026-01-01/f1.png', 1, 1, 3, 'a.png', 'png', '2026-01-01T00:00:00Z');
            """)
        #expect(try SQLiteSchema.migrator.migrate(database) == Array(2...SQLiteSchema.migrator.migrations.count))
        let materials = try database.withStatement("SELECT COUNT(*) FROM materials WHERE file_id = 'f1'") { try $0.step() ? $0.int(0) : -1 }
        #expect(materials == 1)
        // Migration 4 counted the rows that were already there.
        let counted = { try database.withStatement("SELECT COALESCE(SUM(n), 0) FROM material_counts WHERE mall_id = 7") { try $0.step() ? $0.int(0) : -1 } }
        #expect(try counted() == 1)
        // The cascade still works through the new index.
        try database.execute("PRAGMA foreign_keys = ON; DELETE FROM files WHERE id = 'f1'")
        #expect(try database.withStatement("SELECT COUNT(*) FROM materials") { try $0.step() ? $0.int(0) : -1 } == 0)
        #expect(try counted() == 0)
    }
}
