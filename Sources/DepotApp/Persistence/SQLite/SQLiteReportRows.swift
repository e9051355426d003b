import DepotCore
import DepotSystem

/// A report's rows straight from a statement, one at a time (never collected).
struct SQLiteReportRows: ReportRows {
    let database: SQLiteDatabase
    let query: ReportQuery

    func each(_ body: (ExportRow) throws -> Void) throws {
        let values: [SQLiteValue] =
            [.text(ReportTime.storedText(self.query.start)), .text(ReportTime.storedText(self.query.end))]
            + (self.query.mallID.map { [.integer($0)] } ?? [])
        try self.database.withStatement(SQLiteStatements.reportRows(mallFilter: self.query.mallID != nil)) { statement in
            try statement.bind(values)
            var offsetCache: (day: Int64, offset: Int64) = (-1, 0)
            while try statement.step() {
                let text = statement.text(9) ?? ""
                let utc = ReportTime.parse(text) ?? 0
                // The local offset changes at most twice a year: look it up once per UTC day.
                let day = utc / 86_400
                if day != offsetCache.day { offsetCache = (day, CivilTime.local(utc).utcOffset) }
                try body(
                    ExportRow(
                        id: statement.int(0), mallID: statement.int(1), materialType: statement.int(2), originFilename: statement.text(3) ?? "",
                        format: statement.text(4) ?? "", size: statement.int(5), width: statement.int(6), height: statement.int(7),
                        basePath: statement.text(8) ?? "", createdAt: utc + offsetCache.offset, createdAtText: text))
            }
        }
    }
}
