/// An Office Open XML workbook (ECMA-376 part 1, SpreadsheetML) streamed into a zip: inline
/// strings (no shared-strings table grows), numbers as numbers, dates as serials with a date
/// style, a bold frozen header row and column widths. A sheet holds at most 1,048,575 data rows;
/// more continue on further sheets.
package struct XLSXWriter: ReportWriter {
    private let zip: ZipWriter
    private var output: BufferedOutput
    private let rowLimit: Int
    private var sheetCount = 0
    private var rowsInSheet = 0
    private var rowNumber = 0
    private static let letters: [[UInt8]] = (0..<ExportRow.columns.count).map { [UInt8(65 + $0)] }

    /// - Parameters:
    ///   - sink: where the .xlsx bytes go.
    ///   - deflater: zlib raw deflate.
    ///   - rowLimit: data rows per sheet (tests use a small one).
    package init(sink: any ByteSink, deflater: any StreamingDeflater, rowLimit: Int = 1_048_575) throws {
        self.zip = ZipWriter(sink: sink, deflater: deflater)
        self.output = BufferedOutput(sink: ZipEntrySink(zip: self.zip), capacity: 128 * 1024)
        self.rowLimit = rowLimit
        try self.startSheet()
    }

    package mutating func append(_ row: ExportRow) throws {
        if self.rowsInSheet == self.rowLimit {
            try self.endSheet()
            try self.startSheet()
        }
        self.rowsInSheet += 1
        self.rowNumber += 1
        let r = self.rowNumber
        self.output.append(XLSXWriter.rowOpen)
        self.output.appendDecimal(Int64(r))
        self.output.append(XLSXWriter.rowOpenEnd)
        self.number(0, r, row.id)
        self.number(1, r, row.mallID)
        self.number(2, r, row.materialType)
        self.inline(3, r, row.originFilename, style: nil)
        self.inline(4, r, row.format, style: nil)
        self.number(5, r, row.size)
        self.number(6, r, row.width)
        self.number(7, r, row.height)
        self.inline(8, r, row.basePath, style: nil)
        self.date(9, r, localSeconds: row.createdAt)
        self.output.append(XLSXWriter.rowClose)
        try self.output.flushIfFull()
    }

    package mutating func finish() throws {
        try self.endSheet()
        try self.zip.add("[Content_Types].xml", XLSXParts.contentTypes(sheets: self.sheetCount))
        try self.zip.add("_rels/.rels", XLSXParts.rootRelationships)
        try self.zip.add("xl/workbook.xml", XLSXParts.workbook(sheets: self.sheetCount))
        try self.zip.add("xl/_rels/workbook.xml.rels", XLSXParts.workbookRelationships(sheets: self.sheetCount))
        try self.zip.add("xl/styles.xml", XLSXParts.styles)
        try self.zip.finish()
    }

    private mutating func startSheet() throws {
        self.sheetCount += 1
        self.rowsInSheet = 0
        self.rowNumber = 0
        try self.zip.beginEntry("xl/worksheets/sheet\(self.sheetCount).xml")
        self.output.append(XLSXParts.sheetStart)
        // The header row, bold (style 1), on every sheet.
        self.rowNumber = 1
        self.output.append("<row r=\"1\">")
        for (index, name) in ExportRow.columns.enumerated() { self.inline(index, 1, name, style: 1) }
        self.output.append("</row>")
    }

    private mutating func endSheet() throws {
        self.output.append("</sheetData></worksheet>")
        try self.output.flush()
        try self.zip.endEntry()
    }

    private static let rowOpen = Array("<row r=\"".utf8)
    private static let rowOpenEnd = Array("\">".utf8)
    private static let rowClose = Array("</row>".utf8)

    private mutating func reference(_ column: Int, _ row: Int) {
        self.output.append(XLSXWriter.letters[column])
        self.output.appendDecimal(Int64(row))
    }

    private mutating func number(_ column: Int, _ row: Int, _ value: Int64) {
        self.output.append("<c r=\"")
        self.reference(column, row)
        self.output.append("\"><v>")
        self.output.appendDecimal(value)
        self.output.append("</v></c>")
    }

    /// A date-time as an Excel serial (days since 1899-12-30) with the date style (2).
    private mutating func date(_ column: Int, _ row: Int, localSeconds: Int64) {
        self.output.append("<c r=\"")
        self.reference(column, row)
        self.output.append("\" s=\"2\"><v>")
        let days = localSeconds >= 0 ? localSeconds / 86_400 : (localSeconds - 86_399) / 86_400
        let secondsOfDay = localSeconds - days * 86_400
        self.output.appendDecimal(days + 25_569)
        if secondsOfDay > 0 {
            // Ten decimals of the day fraction: finer than a second, exact in integers.
            var fraction = String(secondsOfDay * 10_000_000_000 / 86_400)
            fraction = String(repeating: "0", count: 10 - fraction.count) + fraction
            while fraction.hasSuffix("0") { fraction.removeLast() }
            self.output.append(UInt8(ascii: "."))
            self.output.append(fraction)
        }
        self.output.append("</v></c>")
    }

    private mutating func inline(_ column: Int, _ row: Int, _ text: String, style: Int?) {
        self.output.append("<c r=\"")
        self.reference(column, row)
        self.output.append(style == nil ? "\" t=\"inlineStr\"><is><t" : "\" s=\"1\" t=\"inlineStr\"><is><t")
        var text = text
        text.withUTF8 { bytes in
            // Leading or trailing spaces survive only with xml:space="preserve".
            if let first = bytes.first, let last = bytes.last, first == 32 || last == 32 || first == 9 || last == 9 {
                self.output.append(" xml:space=\"preserve\"")
            }
            self.output.append(UInt8(ascii: ">"))
            XMLEscaping.appendText(bytes, to: &self.output)
        }
        self.output.append("</t></is></c>")
    }
}
