/// An Excel 97–2003 workbook: BIFF8 records (MS-XLS) in an OLE2 compound file (MS-CFB), as xlwt
/// writes them. A sheet holds 65,536 rows (a header and 65,535 data rows); more continue on
/// further sheets. Text cells are LABEL records, which MS-XLS limits to 255 characters (longer
/// text is cut there: a shared-strings table would grow with the report).
///
/// The compound file's header and allocation table come first and depend on the stream size, so
/// the writer runs twice over the same rows: `.measure` computes the layout, `.write` streams.
package struct XLSWriter: ReportWriter {
    package struct Layout: Sendable, Equatable {
        package var sheetSizes: [Int] = []
        /// Rows per sheet, the header included (DIMENSIONS needs it before the cells).
        package var sheetRows: [Int] = []
        package var globalsSize = 0
        package var streamSize: Int { self.globalsSize + self.sheetSizes.reduce(0, +) }
    }

    package enum Mode {
        case measure
        case write(any ByteSink, Layout)
    }

    package static let rowsPerSheet = 65_536
    private static let dataRowsPerSheet = rowsPerSheet - 1

    private var output: BufferedOutput?
    private var measuring: Layout
    private let target: Layout?
    private var rowInSheet = 0
    private var sheetBytes = 0
    private var streamBytes = 0
    private let rowLimit: Int

    /// - Parameters:
    ///   - mode: measure first, then write with the measured layout.
    ///   - rowLimit: data rows per sheet (tests use a small one; default 65,535).
    package init(mode: Mode, rowLimit: Int = XLSWriter.dataRowsPerSheet) throws {
        self.rowLimit = rowLimit
        self.measuring = Layout()
        switch mode {
        case .measure:
            self.target = nil
        case .write(let sink, let layout):
            self.target = layout
            self.output = BufferedOutput(sink: sink, capacity: 64 * 1024)
            try self.writeCompoundFileHead(layout)
            self.writeGlobals(layout)
        }
        self.startSheet()
    }

    /// The layout found by a `.measure` pass.
    package var layout: Layout {
        var layout = self.measuring
        layout.globalsSize = XLSWriter.globalsSize(sheets: layout.sheetSizes.count)
        return layout
    }

    package mutating func append(_ row: ExportRow) throws {
        if self.rowInSheet - 1 == self.rowLimit {
            self.endSheet()
            self.startSheet()
        }
        let r = UInt16(self.rowInSheet)
        self.number(r, 0, Double(row.id))
        self.number(r, 1, Double(row.mallID))
        self.number(r, 2, Double(row.materialType))
        self.label(r, 3, row.originFilename, xf: 15)
        self.label(r, 4, row.format, xf: 15)
        self.number(r, 5, Double(row.size))
        self.number(r, 6, Double(row.width))
        self.number(r, 7, Double(row.height))
        self.label(r, 8, row.basePath, xf: 15)
        // Dates are serial days since 1899-12-30 with the date format (XF 17).
        self.number(r, 9, Double(row.createdAt) / 86_400 + 25_569, xf: 17)
        self.rowInSheet += 1
        try self.output?.flushIfFull()
    }

    package mutating func finish() throws {
        self.endSheet()
        guard var output = self.output, let target = self.target else { return }
        // Padding: to 4 KiB (no mini stream), then to a whole sector.
        let padded = XLSWriter.paddedStreamSize(target.streamSize)
        output.append([UInt8](repeating: 0, count: padded - target.streamSize))
        try output.flush()
        self.output = output
    }

    // MARK: Sheets

    private mutating func startSheet() {
        self.sheetBytes = 0
        self.rowInSheet = 0
        let sheetIndex = self.measuring.sheetSizes.count
        let rows = UInt32(self.target.map { sheetIndex < $0.sheetRows.count ? $0.sheetRows[sheetIndex] : 1 } ?? 1)
        self.record(0x0809, { $0.u16(0x0600); $0.u16(0x0010); $0.u16(0x0DBB); $0.u16(0x07CC); $0.u32(0); $0.u32(6) })  // BOF: worksheet
        self.record(0x0200, { $0.u32(0); $0.u32(rows); $0.u16(0); $0.u16(10); $0.u16(0) })  // DIMENSIONS
        // WINDOW2: gridlines, headers, zeros, frozen panes (0x0008 | 0x0100), selected, active.
        self.record(0x023E, { $0.u16(0x06BE); $0.u16(0); $0.u16(0); $0.u16(0x40); $0.u16(0); $0.u16(0); $0.u16(0); $0.u32(0) })
        self.record(0x0041, { $0.u16(0); $0.u16(1); $0.u16(1); $0.u16(0); $0.u16(2) })  // PANE: header row frozen
        for (index, width) in ExportRow.widths.enumerated() {
            // COLINFO: width in 1/256 of a character.
            self.record(0x007D, { $0.u16(UInt16(index)); $0.u16(UInt16(index)); $0.u16(UInt16(width * 256)); $0.u16(15); $0.u16(0); $0.u16(0) })
        }
        for (index, name) in ExportRow.columns.enumerated() { self.label(0, UInt16(index), name, xf: 16) }
        self.rowInSheet = 1
    }

    private mutating func endSheet() {
        self.record(0x000A, { _ in })  // EOF
        self.measuring.sheetSizes.append(self.sheetBytes)
        self.measuring.sheetRows.append(self.rowInSheet)
    }

    // MARK: Records

    private mutating func record(_ type: UInt16, _ body: (inout ByteWriter) -> Void) {
        var data = ByteWriter()
        body(&data)
        var header = ByteWriter()
        header.u16(type)
        header.u16(UInt16(data.bytes.count))
        let size = 4 + data.bytes.count
        self.sheetBytes += size
        self.streamBytes += size
        if self.output != nil {
            self.output!.append(header.bytes)
            self.output!.append(data.bytes)
        }
    }

    private mutating func number(_ row: UInt16, _ column: UInt16, _ value: Double, xf: UInt16 = 15) {
        self.record(0x0203, { $0.u16(row); $0.u16(column); $0.u16(xf); $0.f64(value) })
    }

    private mutating func label(_ row: UInt16, _ column: UInt16, _ text: String, xf: UInt16) {
        self.record(0x0204, { data in
            data.u16(row)
            data.u16(column)
            data.u16(xf)
            XLSWriter.unicodeString(text, limit: 255, into: &data, lengthBytes: 2)
        })
    }

    /// XLUnicodeString: length, a flags byte (0 = one byte per character, 1 = UTF-16LE), characters.
    static func unicodeString(_ text: String, limit: Int, into data: inout ByteWriter, lengthBytes: Int) {
        var units = Array(text.utf16.prefix(limit))
        // Do not cut a surrogate pair in half.
        if let last = units.last, UTF16.isLeadSurrogate(last) { units.removeLast() }
        if lengthBytes == 1 { data.u8(UInt8(units.count)) } else { data.u16(UInt16(units.count)) }
        if units.allSatisfy({ $0 < 256 }) {
            data.u8(0)
            for unit in units { data.u8(UInt8(unit)) }
        } else {
            data.u8(1)
            for unit in units { data.u16(unit) }
        }
    }

    // MARK: Workbook globals

    private static let sheetNamePrefix = "materials"

    static func sheetName(_ index: Int) -> String { index == 0 ? sheetNamePrefix : "\(sheetNamePrefix) \(index + 1)" }

    /// The globals: BOF, CODEPAGE, WINDOW1, fonts, the date FORMAT, XFs, STYLE, BOUNDSHEETs, EOF.
    private static func globalsRecords(sheetOffsets: [UInt32]) -> [UInt8] {
        var out = ByteWriter()
        func record(_ type: UInt16, _ body: (inout ByteWriter) -> Void) {
            var data = ByteWriter()
            body(&data)
            out.u16(type)
            out.u16(UInt16(data.bytes.count))
            out.bytes += data.bytes
        }
        record(0x0809, { $0.u16(0x0600); $0.u16(0x0005); $0.u16(0x0DBB); $0.u16(0x07CC); $0.u32(0); $0.u32(6) })
        record(0x0042, { $0.u16(1200) })  // CODEPAGE: UTF-16
        record(0x003D, { $0.u16(0); $0.u16(0); $0.u16(0x25BC); $0.u16(0x1572); $0.u16(0x0038); $0.u16(0); $0.u16(0); $0.u16(1); $0.u16(0x0258) })
        // FONT 0–3 regular, then index 5 bold (index 4 does not exist in BIFF).
        for weight: UInt16 in [400, 400, 400, 400, 700] {
            record(0x0031, { data in
                data.u16(200)
                data.u16(0)
                data.u16(0x7FFF)
                data.u16(weight)
                data.u16(0)
                data.u8(0)
                data.u8(0)
                data.u8(0)
                data.u8(0)
                unicodeString("Arial", limit: 255, into: &data, lengthBytes: 1)
            })
        }
        record(0x041E, { data in  // FORMAT 164
            data.u16(164)
            unicodeString("yyyy-mm-dd hh:mm:ss", limit: 255, into: &data, lengthBytes: 2)
        })
        // XF 0–14: style XFs; 15: default cell; 16: bold header; 17: date.
        func xf(_ font: UInt16, _ format: UInt16, style: Bool, used: UInt8) {
            record(0x00E0, { data in
                data.u16(font)
                data.u16(format)
                data.u16(style ? 0xFFF5 : 0x0001)
                data.u8(0x20)
                data.u8(0)
                data.u8(0)
                data.u8(used)
                data.u32(0)
                data.u32(0x20C0_0000)
                data.u16(0)
            })
        }
        for _ in 0..<15 { xf(0, 0, style: true, used: 0xF4) }
        xf(0, 0, style: false, used: 0)
        xf(5, 0, style: false, used: 0x08)
        xf(0, 164, style: false, used: 0x04)
        record(0x0293, { $0.u16(0x8000); $0.u8(0); $0.u8(0xFF) })  // STYLE: Normal
        for (index, offset) in sheetOffsets.enumerated() {
            record(0x0085, { data in  // BOUNDSHEET
                data.u32(offset)
                data.u16(0)
                unicodeString(sheetName(index), limit: 31, into: &data, lengthBytes: 1)
            })
        }
        record(0x000A, { _ in })
        return out.bytes
    }

    static func globalsSize(sheets: Int) -> Int {
        globalsRecords(sheetOffsets: [UInt32](repeating: 0, count: max(1, sheets))).count
    }

    private mutating func writeGlobals(_ layout: Layout) {
        var offsets: [UInt32] = []
        var position = layout.globalsSize
        for size in layout.sheetSizes {
            offsets.append(UInt32(position))
            position += size
        }
        let bytes = XLSWriter.globalsRecords(sheetOffsets: offsets)
        self.output!.append(bytes)
    }

    // MARK: Compound file (MS-CFB, version 3, 512-byte sectors)

    static func paddedStreamSize(_ size: Int) -> Int {
        let atLeast = max(size, 4096)
        return (atLeast + 511) / 512 * 512
    }

    /// Header, FAT sectors, DIFAT sectors, directory; the Workbook stream follows in order.
    private mutating func writeCompoundFileHead(_ layout: Layout) throws {
        let streamSectors = XLSWriter.paddedStreamSize(layout.streamSize) / 512
        var fatSectors = 1
        var difatSectors = 0
        while true {
            difatSectors = fatSectors > 109 ? (fatSectors - 109 + 126) / 127 : 0
            let needed = (fatSectors + difatSectors + 1 + streamSectors + 127) / 128
            if needed <= fatSectors { break }
            fatSectors = needed
        }
        let directorySector = fatSectors + difatSectors
        let streamStart = directorySector + 1
        let endOfChain: UInt32 = 0xFFFF_FFFE
        let free: UInt32 = 0xFFFF_FFFF

        var header = ByteWriter()
        header.bytes += [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
        header.bytes += [UInt8](repeating: 0, count: 16)
        header.u16(0x003E)
        header.u16(0x0003)
        header.u16(0xFFFE)
        header.u16(9)
        header.u16(6)
        header.bytes += [UInt8](repeating: 0, count: 6)
        header.u32(0)
        header.u32(UInt32(fatSectors))
        header.u32(UInt32(directorySector))
        header.u32(0)
        header.u32(4096)
        header.u32(endOfChain)
        header.u32(0)
        header.u32(difatSectors > 0 ? UInt32(fatSectors) : endOfChain)
        header.u32(UInt32(difatSectors))
        for index in 0..<109 { header.u32(index < fatSectors ? UInt32(index) : free) }

        var fat = ByteWriter()
        for _ in 0..<fatSectors { fat.u32(0xFFFF_FFFD) }
        for _ in 0..<difatSectors { fat.u32(0xFFFF_FFFC) }
        fat.u32(endOfChain)
        for index in 0..<streamSectors { fat.u32(index == streamSectors - 1 ? endOfChain : UInt32(streamStart + index + 1)) }
        while fat.bytes.count < fatSectors * 512 { fat.u32(free) }

        var difat = ByteWriter()
        var remaining = Array(109..<max(109, fatSectors))
        for sector in 0..<difatSectors {
            for slot in 0..<127 { difat.u32(slot < remaining.count ? UInt32(remaining[slot]) : free) }
            remaining = Array(remaining.dropFirst(127))
            difat.u32(sector == difatSectors - 1 ? endOfChain : UInt32(fatSectors + sector + 1))
        }

        var directory = ByteWriter()
        XLSWriter.directoryEntry("Root Entry", type: 5, child: 1, start: endOfChain, size: 0, into: &directory)
        XLSWriter.directoryEntry("Workbook", type: 2, child: free, start: UInt32(streamStart), size: UInt32(XLSWriter.paddedStreamSize(layout.streamSize)), into: &directory)
        for _ in 0..<2 { XLSWriter.directoryEntry("", type: 0, child: free, start: 0, size: 0, into: &directory) }

        self.output!.append(header.bytes + fat.bytes + difat.bytes + directory.bytes)
        try self.output!.flushIfFull()
    }

    private static func directoryEntry(_ name: String, type: UInt8, child: UInt32, start: UInt32, size: UInt32, into out: inout ByteWriter) {
        let units = Array(name.utf16)
        for unit in units { out.u16(unit) }
        for _ in units.count..<32 { out.u16(0) }
        out.u16(units.isEmpty ? 0 : UInt16((units.count + 1) * 2))
        out.u8(type)
        out.u8(type == 0 ? 0 : 1)  // black
        out.u32(0xFFFF_FFFF)  // left sibling
        out.u32(0xFFFF_FFFF)  // right sibling
        out.u32(child)
        out.bytes += [UInt8](repeating: 0, count: 16)  // CLSID
        out.u32(0)  // state bits
        out.bytes += [UInt8](repeating: 0, count: 16)  // times
        out.u32(start)
        out.u32(size)
        out.u32(0)
    }
}
