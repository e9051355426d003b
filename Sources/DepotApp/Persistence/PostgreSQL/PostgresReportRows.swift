import DepotCore
import DepotSystem

/// A report's rows through a server-side cursor, 1000 at a time: a million-row report never sits
/// in memory (libpq would otherwise hold the whole result).
struct PostgresReportRows: ReportRows {
    let connection: PostgresConnection
    let query: ReportQuery

    func each(_ body: (ExportRow) throws -> Void) throws {
        var parameters: [String?] = [ReportTime.storedText(self.query.start), ReportTime.storedText(self.query.end)]
        if let mall = self.query.mallID { parameters.append(String(mall)) }
        // The local offset changes at most twice a year: look it up once per UTC day.
        var offsetCache: (day: Int64, offset: Int64) = (-1, 0)
        try PostgresCursor.each(
            self.connection, PostgresStatements.reportRows(mallFilter: self.query.mallID != nil), parameters
        ) { result, row in
            let text = result.text(row, 9) ?? ""
            let utc = ReportTime.parse(text) ?? 0
            if utc / 86_400 != offsetCache.day { offsetCache = (utc / 86_400, CivilTime.local(utc).utcOffset) }
            try body(
                ExportRow(
                    id: result.int(row, 0), mallID: result.int(row, 1), materialType: result.int(row, 2), originFilename: result.text(row, 3) ?? "",
                    format: result.text(row, 4) ?? "", size: result.int(row, 5), width: result.int(row, 6), height: result.int(row, 7),
                    basePath: result.text(row, 8) ?? "", createdAt: utc + offsetCache.offset, createdAtText: text))
        }
    }
}

/// Walks a query's rows through a cursor (the caller holds a transaction open).
enum PostgresCursor {
    static let batch = 1000

    static func each(
        _ connection: PostgresConnection, _ sql: String, _ parameters: [String?], _ body: (PostgresResult, Int) throws -> Void
    ) throws {
        try connection.queryOnce("DECLARE depot_rows NO SCROLL CURSOR FOR " + sql, parameters)
        defer { _ = try? connection.execute("CLOSE depot_rows") }
        while true {
            let result = try connection.execute("FETCH \(batch) FROM depot_rows")
            for row in 0..<result.rowCount { try body(result, row) }
            if result.rowCount < batch { return }
        }
    }
}
