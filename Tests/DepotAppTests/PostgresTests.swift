import DepotApp
import DepotCore
import DepotSystem
import Foundation
import Synchronization
import Testing

/// The PostgreSQL store's own guarantees. The first test runs on every pass; the rest need the
/// cluster `scripts/test` starts for its PostgreSQL pass.
@Suite struct PostgresTests {
    @Test func anUnreachableDatabaseFailsStartUpNamingTheKeyButNotThePassword() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("depot-pg-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var config = Config()
        config.storageRoot = directory + "/storage"
        config.databaseURL = "postgresql://depot:hunter2@/depot?host=/nonexistent-depot-socket-dir&connect_timeout=2"
        do {
            _ = try App(config: config)
            Issue.record("start-up should fail")
        } catch {
            let text = "\(error)"
            #expect(text.contains("database.url postgresql://depot:***@/depot"), "\(text)")
            #expect(!text.contains("hunter2"), "\(text)")
        }
        #expect(PersistenceFactory.maskedURL("host=/x user=a password=secret dbname=b") == "host=/x user=a password=*** dbname=b")
        #expect(PersistenceFactory.maskedURL("postgresql://a@/b?password=s&host=/x") == "postgresql://a@/b?password=***&host=/x")
    }

    @Test(.enabled(if: onPostgres)) func manyRespondersStartingAtOnceMigrateExactlyOnce() throws {
        let schema = try #require(try TestSchema.make())
        defer { schema.drop() }
        let applied = Mutex<[[Int]]>([])
        let failures = Mutex<[String]>([])
        let threads = (0..<8).map { _ in
            Thread {
                do {
                    let store = try PostgresStore(url: schema.url)
                    let versions = try store.migrate()
                    applied.withLock { $0.append(versions) }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        threads.forEach { $0.start() }
        let deadline = Date().addingTimeInterval(30)
        while applied.withLock({ $0.count }) + failures.withLock({ $0.count }) < 8 && Date() < deadline { usleep(10_000) }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
        let all = applied.withLock { $0 }
        #expect(all.count == 8)
        // One start-up applied every migration; the other seven found nothing to do.
        #expect(all.filter { !$0.isEmpty }.count == 1)
        #expect(all.flatMap { $0 } == PostgresSchema.migrations.map(\.version))
    }

    /// With sequential scans off, each list and report statement must find an index that serves it
    /// (an empty table would otherwise make any plan a sequential scan).
    @Test(.enabled(if: onPostgres)) func listsCountsAndOneMallsReportUseTheirIndexes() throws {
        let test = try InProcessApp()
        _ = test.upload("/api/malls/5/materials", InProcessApp.Form { $0.file("f", filename: "a.png", TestImages.png(width: 2, height: 2)) })
        let schema = try #require(test.schemaURL)
        let connection = try PostgresConnection(url: schema)
        _ = try connection.execute("SET enable_seqscan = off")
        func plan(_ sql: String, _ parameters: [String?]) throws -> String {
            let result = try connection.query("EXPLAIN " + sql, parameters)
            return (0..<result.rowCount).compactMap { result.text($0, 0) }.joined(separator: "\n")
        }
        let untyped = try plan(PostgresStatements.materialPage(typed: false).page, ["5", String(Int64.max), "51", "0"])
        #expect(untyped.contains("materials_mall ") && !untyped.contains("Seq Scan"), "\(untyped)")
        let typed = try plan(PostgresStatements.materialPage(typed: true).page, ["5", "0", "100", "51", "0"])
        #expect(typed.contains("materials_mall_type") && !typed.contains("Seq Scan"), "\(typed)")
        let count = try plan(PostgresStatements.materialPage(typed: false).count, ["5"])
        #expect(count.contains("material_counts") && !count.contains(" on materials"), "\(count)")
        let report = try plan(PostgresStatements.reportRows(mallFilter: true), ["2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", "5"])
        #expect(report.contains("materials_mall_created") && !report.contains("Sort"), "\(report)")
    }

    /// Uploads and deletes append to the count log; a fold moves it into the counters and the
    /// totals do not move. One transaction inserting many rows stays linear (no counter row is
    /// updated once per row).
    @Test(.enabled(if: onPostgres)) func theCountLogFoldsIntoTheCountersWithoutChangingTotals() throws {
        let test = try InProcessApp()
        for mall in [5, 5, 6] {
            _ = test.upload("/api/malls/\(mall)/materials", InProcessApp.Form { $0.file("f", filename: "a.png", TestImages.png(width: 2, height: 2)) })
        }
        let connection = try PostgresConnection(url: try #require(test.schemaURL))
        // 20,000 rows in one transaction, one statement each, as an operator's import might.
        _ = try connection.execute("""
            BEGIN;
            DO $$ BEGIN FOR i IN 1..20000 LOOP
                INSERT INTO files (id, namespace, path, size, sha256, content_type, created_at)
                    VALUES ('bulk' || i, 'mall', '/mall/bulk/' || i, 1, 'x', 'image/png', now());
                INSERT INTO materials (mall_id, material_type, file_id, base_path, width, height, size, origin_filename, format, created_at)
                    VALUES (6, 0, 'bulk' || i, '/mall/bulk/' || i, 1, 1, 1, 'b.png', 'png', now());
            END LOOP; END $$;
            COMMIT;
            """)
        func total(_ mall: Int) -> Int64? { test.request("GET", "/api/malls/\(mall)/materials?limit=1").data?["total"]?.intValue }
        #expect(total(5) == 2 && total(6) == 20_001)
        let store = try #require(test.app.persistence as? PostgresStore)
        try store.foldMaterialCounts()
        #expect(try connection.execute("SELECT COUNT(*) FROM material_count_log").int(0, 0) == 0)
        #expect(try connection.execute("SELECT n FROM material_counts WHERE mall_id = 6").int(0, 0) == 20_001)
        #expect(total(5) == 2 && total(6) == 20_001)
        let id = try #require(test.request("GET", "/api/malls/5/materials?limit=1").data?["items"]?.items.first?["id"]?.intValue)
        #expect(test.request("DELETE", "/api/materials/\(id)").status == 200)
        #expect(total(5) == 1)
        try store.foldMaterialCounts()
        #expect(total(5) == 1)
        #expect(try store.materialCountDrift().isEmpty)
    }

    @Test(.enabled(if: onPostgres)) func timesRoundTripInTheContractsForm() throws {
        let test = try InProcessApp()
        let response = test.upload("/api/malls/5/materials", InProcessApp.Form { $0.file("f", filename: "a.png", TestImages.png(width: 2, height: 2)) })
        let created = try #require(response.data?.items.first?["created_at"]?.stringValue)
        #expect(created.count == 20 && created.hasSuffix("Z") && created.contains("T"), "\(created)")
        let id = try #require(response.data?.items.first?["id"]?.intValue)
        #expect(test.request("GET", "/api/materials/\(id)").data?["created_at"]?.stringValue == created)
    }

    /// Two stores on one database stand for two nodes: each keeps the rows it served, and a delete
    /// or overwrite on one reaches the other through NOTIFY.
    @Test(.enabled(if: onPostgres)) func eachNodesFileCacheForgetsWhatAnyNodeDeletesOrReplaces() throws {
        let schema = try #require(try TestSchema.make())
        defer { schema.drop() }
        let nodeA = try PostgresStore(url: schema.url, fileCacheEntries: 100)
        let nodeB = try PostgresStore(url: schema.url, fileCacheEntries: 100)
        try nodeA.migrate()
        try nodeA.startBackgroundWork(checkpointPages: 0)
        try nodeB.startBackgroundWork(checkpointPages: 0)
        try waitUntil { nodeA.fileCache.isEnabled && nodeB.fileCache.isEnabled }

        func row(_ id: String, _ sha: String) -> FileRecord {
            FileRecord(
                id: id, namespace: "pg", path: "pg/cached.txt", field: nil, originFilename: "cached.txt", size: 1, sha256: sha,
                contentType: "text/plain", format: nil, width: nil, height: nil, metadata: "{}", createdAt: "2026-12-02T10:00:00Z")
        }
        try nodeA.write { try $0.insert(row("id-old", "aa")) }
        // Node B reads it twice: the second read is answered from memory.
        #expect(try nodeB.file(id: "id-old")?.sha256 == "aa")
        let hitsBefore = nodeB.fileCache.counts.hits
        #expect(try nodeB.file(id: "id-old")?.sha256 == "aa")
        #expect(try nodeB.file(path: "pg/cached.txt")?.sha256 == "aa")
        #expect(nodeB.fileCache.counts.hits == hitsBefore + 2)
        #expect(try nodeA.file(path: "pg/cached.txt")?.sha256 == "aa")

        // Node A overwrites: it reads its own write at once, node B once the notification is there.
        try nodeA.write { transaction in
            try transaction.deleteFile(path: "pg/cached.txt")
            try transaction.insert(row("id-new", "bb"))
        }
        #expect(try nodeA.file(path: "pg/cached.txt")?.sha256 == "bb")
        #expect(try nodeA.file(id: "id-old") == nil)
        try waitUntil { (try? nodeB.file(path: "pg/cached.txt"))??.sha256 == "bb" }
        #expect(try nodeB.file(id: "id-old") == nil)

        // A delete made outside Depot (psql) reaches both through the trigger.
        #expect(try nodeB.file(id: "id-new") != nil)
        try PostgresConnection(url: schema.url).execute("DELETE FROM files")
        try waitUntil { (try? nodeA.file(id: "id-new")) == .some(nil) && (try? nodeB.file(id: "id-new")) == .some(nil) }
    }

    private func waitUntil(_ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(10)
        while try !condition() {
            guard Date() < deadline else {
                Issue.record("timed out")
                return
            }
            usleep(2_000)
        }
    }
}
