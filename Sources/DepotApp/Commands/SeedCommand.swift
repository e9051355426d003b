import DepotCore
import Foundation

/// `depot seed --mall M --count N [--others K]`: a bench helper that fills the store with N
/// materials of mall M and K of other malls (2–5 malls after M), interleaved in time, through the
/// store's own transactions (rows and triggers exactly as uploads make them). No bytes are written:
/// the rows point at paths under `/mall/seed/`, so `depot check` reports them; use a throwaway store.
package enum SeedCommand {
    package static func run(config: Config, mall: Int64, count: Int, others: Int, batch: Int = 10_000) -> Int32 {
        do {
            let persistence = try PersistenceFactory.open(config)
            _ = try persistence.migrate()
            let total = count + others
            // Times start here and advance a second per row, so a report's range picks rows by time.
            let start: Int64 = 1_767_225_600  // 2026-01-01T00:00:00Z
            let began = Date()
            var done = 0
            while done < total {
                let end = min(total, done + batch)
                try persistence.write { transaction in
                    for index in done..<end {
                        // Row `index` is mall M's when the share of M rows so far crosses a whole number.
                        let ours = (index + 1) * count / total > index * count / total
                        let owner = ours ? mall : mall + 1 + Int64(index % 4)
                        let seconds = start + Int64(index)
                        let created = CivilTime.utc(seconds).iso8601
                        // Time-ordered, as uploads make them: the id and path indexes grow at their right edge.
                        let id = StorageNaming.timeOrderedUUID(at: Date(timeIntervalSince1970: TimeInterval(seconds)))
                        let path = "/mall/seed/\(id).png"
                        try transaction.insert(
                            FileRecord(
                                id: id, namespace: "mall", path: path, field: "f", originFilename: "seed-\(index).png", size: 4096,
                                sha256: String(repeating: "0", count: 64), contentType: "image/png", format: "png", width: 64, height: 64,
                                metadata: "{}", createdAt: created))
                        _ = try transaction.insert(
                            MaterialRecord(
                                id: 0, mallID: owner, materialType: index % 10 == 9 ? 2 : 0, fileID: id, basePath: path, width: 64,
                                height: 64, size: 4096, originFilename: "seed-\(index).png", format: "png", createdAt: created))
                    }
                }
                // A live PostgreSQL store folds its count log about once a second; the seed
                // folds after each batch, so it leaves no log of millions of rows to fold (and then
                // vacuum) under the first requests that follow.
                try (persistence as? PostgresStore)?.foldMaterialCounts()
                done = end
                FileHandle.standardError.write(Data("\rseeded \(done) of \(total)".utf8))
            }
            let seconds = Date().timeIntervalSince(began)
            FileHandle.standardError.write(Data("\n".utf8))
            print("seeded \(total) materials (\(count) in mall \(mall)) in \(String(format: "%.1f", seconds)) s")
            return 0
        } catch {
            print("depot seed failed: \(error)")
            return 2
        }
    }
}
