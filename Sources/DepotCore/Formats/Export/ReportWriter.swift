/// A report writer: header first, then rows one at a time, then `finish`.
package protocol ReportWriter {
    mutating func append(_ row: ExportRow) throws
    mutating func finish() throws
}
