/// CSV (RFC 4180: CRLF, quotes doubled) in UTF-8 with a BOM so Excel reads it as UTF-8.
/// Text cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) get a
/// leading `'` (OWASP CSV injection advice); numbers are written as numbers.
package struct CSVWriter: ReportWriter {
    private var output: BufferedOutput

    package init(sink: any ByteSink) throws {
        self.output = BufferedOutput(sink: sink)
        self.output.append([0xEF, 0xBB, 0xBF])
        for (index, name) in ExportRow.columns.enumerated() {
            if index > 0 { self.output.append(UInt8(ascii: ",")) }
            self.text(name)
        }
        self.output.append([13, 10])
    }

    package mutating func append(_ row: ExportRow) throws {
        self.output.appendDecimal(row.id)
        self.output.append(UInt8(ascii: ","))
        self.output.appendDecimal(row.mallID)
        self.output.append(UInt8(ascii: ","))
        self.output.appendDecimal(row.materialType)
        self.output.append(UInt8(ascii: ","))
        self.text(row.originFilename)
        self.output.append(UInt8(ascii: ","))
        self.text(row.format)
        self.output.append(UInt8(ascii: ","))
        self.output.appendDecimal(row.size)
        self.output.append(UInt8(ascii: ","))
        self.output.appendDecimal(row.width)
        self.output.append(UInt8(ascii: ","))
        self.output.appendDecimal(row.height)
        self.output.append(UInt8(ascii: ","))
        self.text(row.basePath)
        self.output.append(UInt8(ascii: ","))
        self.text(row.createdAtText)
        self.output.append([13, 10])
        try self.output.flushIfFull()
    }

    package mutating func finish() throws { try self.output.flush() }

    /// A text cell: neutralised if it starts like a formula, quoted if it holds `,` `"` CR or LF.
    private mutating func text(_ value: String) {
        var value = value
        value.withUTF8 { bytes in
            let first = bytes.first
            let risky = first == UInt8(ascii: "=") || first == UInt8(ascii: "+") || first == UInt8(ascii: "-") || first == UInt8(ascii: "@")
                || first == 9 || first == 13
            let needsQuotes = bytes.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
            if needsQuotes { self.output.append(UInt8(ascii: "\"")) }
            if risky { self.output.append(UInt8(ascii: "'")) }
            for byte in bytes {
                if byte == UInt8(ascii: "\"") { self.output.append(UInt8(ascii: "\"")) }
                self.output.append(byte)
            }
            if needsQuotes { self.output.append(UInt8(ascii: "\"")) }
        }
    }
}
