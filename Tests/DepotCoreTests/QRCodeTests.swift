@testable import DepotCore
import Testing

@Suite struct QRCodeTests {
    @Test func formatWordsMatchTheStandardsTable() {
        // ISO/IEC 18004 table C.1: (level, mask) → 15-bit format word after masking.
        #expect(QRCode.formatBits(correction: .medium, mask: 0) == 0x5412)
        #expect(QRCode.formatBits(correction: .low, mask: 0) == 0x77C4)
        #expect(QRCode.formatBits(correction: .quartile, mask: 0) == 0x355F)
        #expect(QRCode.formatBits(correction: .high, mask: 0) == 0x1689)
        #expect(QRCode.formatBits(correction: .low, mask: 7) == 0x6976)
    }

    @Test func capacitiesInBytes() {
        // Byte-mode capacities: data codewords less mode and count overhead.
        func bytes(_ version: Int, _ level: QRCode.ErrorCorrection) -> Int {
            QRCode.dataCodewords(version, level) - (version <= 9 ? 2 : 3)
        }
        #expect(bytes(1, .medium) == 14)
        #expect(bytes(1, .low) == 17)
        #expect(bytes(10, .medium) == 213)
        #expect(bytes(40, .low) == 2953)
        #expect(bytes(40, .high) == 1273)
        #expect(QRCode.rawDataModules(1) == 208)
        #expect(QRCode.rawDataModules(40) == 29648)
    }

    @Test func reedSolomonGenerator() {
        // g(x) of degree 7 (version 1-L): x^7 + 127x^6 + 122x^5 + 154x^4 + 164x^3 + 11x^2 + 68x + 117.
        #expect(ReedSolomon.generator(degree: 7) == [127, 122, 154, 164, 11, 68, 117])
    }

    @Test func versionsGrowWithTheTextAndOverflowIsAnError() throws {
        #expect(try QRCode(bytes: Array("hi".utf8), correction: .medium).version == 1)
        #expect(try QRCode(bytes: [UInt8](repeating: 65, count: 2953), correction: .low).version == 40)
        #expect(throws: QRCode.EncodeError.self) { _ = try QRCode(bytes: [UInt8](repeating: 65, count: 2954), correction: .low) }
        #expect(throws: QRCode.EncodeError.self) { _ = try QRCode(bytes: [UInt8](repeating: 65, count: 1274), correction: .high) }
    }

    @Test func finderPatternsAndTimingAreInPlace() throws {
        let code = try QRCode(bytes: Array("depot".utf8), correction: .quartile)
        for (x, y) in [(0, 0), (6, 0), (0, 6), (6, 6), (2, 2), (4, 4), (code.size - 1, 0), (0, code.size - 1)] {
            #expect(code.isDark(x: x, y: y), "(\(x), \(y))")
        }
        for (x, y) in [(1, 1), (5, 5), (7, 7), (1, 5)] { #expect(!code.isDark(x: x, y: y), "(\(x), \(y))") }
        for index in 8..<(code.size - 8) { #expect(code.isDark(x: index, y: 6) == (index % 2 == 0)) }
        #expect(code.isDark(x: 8, y: code.size - 8))  // the dark module
    }

    @Test func pngIsWellFormed() throws {
        struct StoreOnly: Compressor {
            func zlibCompress(_ bytes: [UInt8], level: Int32) throws -> [UInt8] { bytes }
        }
        let code = try QRCode(bytes: Array("x".utf8), correction: .low)
        let png = try PNGWriter.qrCode(code, scale: 2, margin: 1, compressor: StoreOnly())
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(Array(png[12..<16]) == Array("IHDR".utf8))
        let width = Int(png[16]) << 24 | Int(png[17]) << 16 | Int(png[18]) << 8 | Int(png[19])
        #expect(width == (21 + 2) * 2)
        #expect(CRC32.checksum(Array("IEND".utf8)) == 0xAE42_6082)
        #expect(Array(png.suffix(4)) == [0xAE, 0x42, 0x60, 0x82])
    }
}
