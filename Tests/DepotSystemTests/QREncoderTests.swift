import DepotCore
import DepotSystem
import Testing

/// libqrencode behind `QREncoder`; zbarimg decodes its codes in the e2e suite.
@Suite struct QREncoderTests {
    @Test func theSmallestVersionThatHoldsTheData() throws {
        let small = try QREncoder.encode(Array("hi".utf8), correction: .medium)
        #expect(small.version == 1 && small.size == 21 && small.modules.count == 441)
        #expect(try QREncoder.encode([UInt8](repeating: 65, count: 2953), correction: .low).version == 40)
        #expect(try QREncoder.encode([UInt8](repeating: 65, count: 1273), correction: .high).version == 40)
    }

    @Test func tooLongNamesTheLimitOfTheLevel() throws {
        #expect(throws: QRCode.EncodeError.tooLong(maximumBytes: 2953)) { try QREncoder.encode([UInt8](repeating: 65, count: 2954), correction: .low) }
        #expect(throws: QRCode.EncodeError.tooLong(maximumBytes: 1273)) { try QREncoder.encode([UInt8](repeating: 65, count: 1274), correction: .high) }
        // The UTF-8 marker (ECI 26) takes two bytes of room.
        let chinese = Array(String(repeating: "中", count: 984).utf8)  // 2952 bytes
        #expect(throws: QRCode.EncodeError.tooLong(maximumBytes: 2951)) { try QREncoder.encode(chinese, correction: .low) }
        #expect(try QREncoder.encode(Array(chinese.prefix(2949)), correction: .low).version == 40)
    }

    @Test func finderPatternsSitInThreeCorners() throws {
        let code = try QREncoder.encode(Array("depot".utf8), correction: .quartile)
        for (originX, originY) in [(0, 0), (code.size - 7, 0), (0, code.size - 7)] {
            for y in 0..<7 {
                for x in 0..<7 {
                    let ring = x == 0 || x == 6 || y == 0 || y == 6
                    let core = (2...4).contains(x) && (2...4).contains(y)
                    #expect(code.isDark(x: originX + x, y: originY + y) == (ring || core), "(\(originX + x), \(originY + y))")
                }
            }
        }
        // The dark module beside the bottom-left finder (ISO/IEC 18004 §7.9.1).
        #expect(code.isDark(x: 8, y: code.size - 8))
    }

    @Test func thePNGHasTheSizeItsModulesAsk() throws {
        let code = try QREncoder.encode(Array("https://example.com".utf8), correction: .medium)
        let png = try PNGWriter.qrCode(code, scale: 3, margin: 2, compressor: ZlibCompressor())
        let sniffed = ContentSniffer.sniff(png)
        #expect(sniffed.contentType == "image/png")
        #expect(sniffed.width == (code.size + 4) * 3 && sniffed.height == sniffed.width)
    }
}
