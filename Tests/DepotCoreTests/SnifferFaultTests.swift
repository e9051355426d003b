import DepotCore
import Testing

/// Crafted headers found by trying Depot as an attacker would: sizes taken from 32-bit (or wider)
/// fields must never trap, never turn negative, agree with Pillow, and never slip past the pixel limit.
@Suite struct SnifferFaultTests {
    static let limit: Int64 = 178_956_970

    func be32(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
    func le32(_ value: UInt32) -> [UInt8] { be32(value).reversed() }
    func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }

    func box(_ type: String, _ payload: [UInt8]) -> [UInt8] { be32(UInt32(8 + payload.count)) + Array(type.utf8) + payload }

    /// The 69-byte upload that took the responder down: a PNG of 4294967295 × 4294967295.
    static var hugePNG: [UInt8] {
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
            + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 8, 2, 0, 0, 0, 0, 0, 0, 0]
    }

    @Test func pngOfMaximalSidesIsSizedAndRefusedWithoutTrapping() {
        let result = ContentSniffer.sniff(SnifferFaultTests.hugePNG)
        #expect(result.kind == .image && result.width == 4_294_967_295 && result.height == 4_294_967_295)
        #expect(!result.fitsPixelLimit(SnifferFaultTests.limit))
        #expect(!result.fitsPixelLimit(Int64.max))  // the product overflows Int64: still refused
    }

    @Test func tiffWithLongSides() {
        // Little-endian TIFF, one IFD with width and height as LONG 0xFFFFFFFF.
        var bytes: [UInt8] = Array("II*\u{0}".utf8) + le32(8) + le16(2)
        bytes += le16(256) + le16(4) + le32(1) + le32(0xFFFF_FFFF)
        bytes += le16(257) + le16(4) + le32(1) + le32(0xFFFF_FFFF)
        let result = ContentSniffer.sniff(bytes + le32(0))
        #expect(result.width == 4_294_967_295 && result.height == 4_294_967_295)
        #expect(!result.fitsPixelLimit(SnifferFaultTests.limit))
    }

    @Test func avifWithTwoHugeSpatialExtents() {
        func ispe(_ w: UInt32, _ h: UInt32) -> [UInt8] { box("ispe", [0, 0, 0, 0] + be32(w) + be32(h)) }
        let bytes = box("ftyp", Array("avif".utf8) + be32(0) + Array("avifmif1".utf8))
            + box("meta", [0, 0, 0, 0] + box("iprp", box("ipco", ispe(0xFFFF_FFF0, 0xFFFF_FFF0) + ispe(0xFFFF_FFFF, 0xFFFF_FFFF))))
        let result = ContentSniffer.sniff(bytes)
        #expect(result.format == "avif" && result.width == 4_294_967_295 && result.height == 4_294_967_295)
        #expect(!result.fitsPixelLimit(SnifferFaultTests.limit))
    }

    @Test func bmpWidthIsUnsignedAsPillowReadsIt() {
        // BITMAPINFOHEADER with width 0x80000000 (−2147483648 signed) and height 0x80000000.
        let bytes: [UInt8] = Array("BM".utf8) + le32(0) + le32(0) + le32(54) + le32(40) + le32(0x8000_0000) + le32(0x8000_0000) + le16(1) + le16(24)
            + [UInt8](repeating: 0, count: 24)
        let result = ContentSniffer.sniff(bytes)
        #expect(result.width == 2_147_483_648 && result.height == 2_147_483_648)
        // A top-down bitmap: height −16 is stored as 0xFFFFFFF0; Pillow reports 16.
        let topDown: [UInt8] = Array("BM".utf8) + le32(0) + le32(0) + le32(54) + le32(40) + le32(7) + le32(0xFFFF_FFF0) + le16(1) + le16(24)
            + [UInt8](repeating: 0, count: 24)
        #expect(ContentSniffer.sniff(topDown).width == 7 && ContentSniffer.sniff(topDown).height == 16)
    }

    @Test func matroskaEightByteSizesNeverTurnNegative() {
        func element(_ id: [UInt8], _ payload: [UInt8]) -> [UInt8] { id + [0x80 | UInt8(payload.count)] + payload }
        let header = element([0x1A, 0x45, 0xDF, 0xA3], element([0x42, 0x82], Array("webm".utf8)))
        let video = element([0xE0], element([0xB0], [0xFF, 0, 0, 0, 0, 0, 0, 1]) + element([0xBA], [0x80, 0, 0, 0, 0, 0, 0, 0]))
        let segment = element([0x18, 0x53, 0x80, 0x67], element([0x16, 0x54, 0xAE, 0x6B], element([0xAE], video)))
        let result = ContentSniffer.sniff(header + segment)
        #expect(result.format == "webm")
        #expect((result.width ?? -1) >= 0 && (result.height ?? -1) >= 0)
    }

    func jpeg(_ segments: [UInt8]) -> [UInt8] { [0xFF, 0xD8] + segments + [0xFF, 0xDA, 0, 2, 0xFF, 0xD9] }
    func sof(_ width: UInt16, _ height: UInt16, length: UInt16 = 17) -> [UInt8] {
        [0xFF, 0xC0] + be16(length) + [8] + be16(height) + be16(width) + [3] + [UInt8](repeating: 1, count: max(0, Int(length) - 8))
    }

    @Test func jpegFrameHeaderShorterThanItsFieldsGivesNoSize() {
        // Length 6: precision and height only; the width would come from the next segment's bytes.
        let short = jpeg([0xFF, 0xC0, 0, 6, 8, 0x10, 0x00, 0x20] + sof(1, 1))
        #expect(ContentSniffer.sniff(short).width != 4096 || ContentSniffer.sniff(short).kind != .image)
        let onlyShort = jpeg([0xFF, 0xC0, 0, 6, 8, 0x10, 0x00, 0x20])
        #expect(ContentSniffer.sniff(onlyShort).kind != .image)
    }

    @Test func jpegJunkBeforeAFrameIsSkippedAsPillowDoes() {
        let app0: [UInt8] = [0xFF, 0xE0, 0, 16] + Array("JFIF\u{0}".utf8) + [1, 1, 0, 0, 1, 0, 1, 0, 0]
        let bytes = jpeg(app0 + [0x00] + sof(60000, 60000))
        let result = ContentSniffer.sniff(bytes)
        #expect(result.kind == .image && result.width == 60000 && result.height == 60000)
        #expect(!result.fitsPixelLimit(SnifferFaultTests.limit))
    }

    @Test func jpegLastFrameHeaderBeforeTheScanWins() {
        let result = ContentSniffer.sniff(jpeg(sof(1, 1) + sof(60000, 60000)))
        #expect(result.width == 60000 && result.height == 60000)
    }

    @Test func gifSizeIsTheFirstFramesExtent() {
        // A 1 × 1 logical screen with a 60000 × 60000 first frame: Pillow reports 60000 × 60000.
        let bytes: [UInt8] = Array("GIF89a".utf8) + le16(1) + le16(1) + [0, 0, 0]
            + [0x21, 0xF9, 4, 0, 0, 0, 0, 0]  // graphic control extension
            + [0x2C] + le16(0) + le16(0) + le16(60000) + le16(60000) + [0] + [2, 2, 0x4C, 0x01, 0] + [0x3B]
        let result = ContentSniffer.sniff(bytes)
        #expect(result.kind == .image && result.width == 60000 && result.height == 60000)
        #expect(!result.fitsPixelLimit(SnifferFaultTests.limit))
        // An offset frame grows the screen too.
        let offset: [UInt8] = Array("GIF87a".utf8) + le16(10) + le16(10) + [0, 0, 0]
            + [0x2C] + le16(5) + le16(8) + le16(10) + le16(10) + [0] + [2, 2, 0x4C, 0x01, 0] + [0x3B]
        #expect(ContentSniffer.sniff(offset).width == 15 && ContentSniffer.sniff(offset).height == 18)
    }

    @Test func anImageWhoseSizeCannotBeReadIsNotAnImage() {
        let cases: [[UInt8]] = [
            [0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0],  // JPEG that never reaches a frame header
            Array("GIF89a".utf8) + le16(1) + le16(1) + [0, 0, 0, 0x3B],  // GIF with no frame
            [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13],  // PNG cut before IHDR
        ]
        for bytes in cases {
            let result = ContentSniffer.sniff(bytes)
            #expect(result.kind != .image, "\(bytes)")
            #expect(result.fitsPixelLimit(SnifferFaultTests.limit))
        }
        // And the guard itself refuses an image result without a size, should one ever be made.
        let sizeless = SniffResult(kind: .image, format: "png", contentType: "image/png", fileExtension: "png")
        #expect(!sizeless.fitsPixelLimit(SnifferFaultTests.limit))
    }

    @Test func everyPrefixOfACraftedFileSniffsWithoutTrapping() {
        let files = [SnifferFaultTests.hugePNG, jpeg([0xFF, 0xE0, 0, 2, 0x00] + sof(60000, 60000))]
        for file in files {
            for length in 0...file.count {
                let result = ContentSniffer.sniff(Array(file.prefix(length)))
                #expect((result.width ?? 0) >= 0 && (result.height ?? 0) >= 0)
            }
        }
    }
}
