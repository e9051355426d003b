import DepotCore
import DepotSystem
import Foundation
import Testing

/// libvips behind `Vips`: shrink-on-load thumbnails, the pixel guard from the header, failures for
/// what cannot be decoded. The e2e suite checks every format with Pillow as the oracle.
@Suite struct VipsTests {
    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)").path
    }

    static func variant(_ size: Int, _ fit: ThumbnailFit = .contain, _ format: ThumbnailFormat? = nil, accept: String? = nil) -> ThumbnailVariant {
        ThumbnailVariant(ThumbnailRequest(size: size, fit: fit, format: format), accept: accept)
    }

    @Test func aJPEGThumbnailInEachFormat() throws {
        for format in ThumbnailFormat.allCases {
            let made = try Vips.thumbnail(path: Self.fixture("two-colours.jpg"), variant: Self.variant(60, .contain, format), maxPixels: 1 << 30, quality: 80)
            #expect(made.format == format)
            #expect(made.width == 60 && made.height == 40)
            let magic: [ThumbnailFormat: [UInt8]] = [.jpeg: [0xFF, 0xD8], .png: [0x89, 0x50], .webp: Array("RIFF".utf8), .avif: [0, 0]]
            #expect(Array(made.bytes.prefix(magic[format]!.count)) == magic[format]!)
        }
    }

    @Test func coverFillsTheBoxAndNothingIsEnlarged() throws {
        let cover = try Vips.thumbnail(path: Self.fixture("two-colours.jpg"), variant: Self.variant(50, .cover, .png), maxPixels: 1 << 30, quality: 80)
        #expect(cover.width == 50 && cover.height == 50)
        let big = try Vips.thumbnail(path: Self.fixture("two-colours.jpg"), variant: Self.variant(1024, .contain, .png), maxPixels: 1 << 30, quality: 80)
        #expect(big.width == 120 && big.height == 80)
    }

    @Test func autoWithoutWebPOrAVIFIsJPEGForAnOpaqueImage() throws {
        let made = try Vips.thumbnail(path: Self.fixture("two-colours.jpg"), variant: Self.variant(64, accept: "*/*"), maxPixels: 1 << 30, quality: 80)
        #expect(made.format == .jpeg)
    }

    @Test func thePixelLimitIsCheckedFromTheHeader() {
        #expect(throws: Vips.Failure.tooManyPixels(width: 120, height: 80)) {
            try Vips.thumbnail(path: Self.fixture("two-colours.jpg"), variant: Self.variant(64), maxPixels: 9599, quality: 80)
        }
    }

    @Test func progressiveImagesHaveTheirOwnLimitBecauseTheyAreDecodedWhole() throws {
        // The same 120 × 80 pixels, baseline and progressive: only the progressive one is held to
        // the limit for images decoded whole; a baseline JPEG is shrunk while it is decoded.
        #expect(throws: Vips.Failure.tooManyPixelsToDecodeWhole(width: 120, height: 80)) {
            try Vips.thumbnail(path: Self.fixture("progressive.jpg"), variant: Self.variant(64), maxPixels: 1 << 30, maxWholePixels: 9599, quality: 80)
        }
        let baseline = try Vips.thumbnail(path: Self.fixture("two-colours.jpg"), variant: Self.variant(64), maxPixels: 1 << 30, maxWholePixels: 9599, quality: 80)
        #expect(baseline.width == 64)
        let whole = try Vips.thumbnail(path: Self.fixture("progressive.jpg"), variant: Self.variant(64), maxPixels: 1 << 30, maxWholePixels: 9600, quality: 80)
        #expect(whole.width == 64 && whole.height == 43)
        // A format that is always decoded whole is held to it even when not progressive.
        #expect(throws: Vips.Failure.tooManyPixelsToDecodeWhole(width: 120, height: 80)) {
            try Vips.thumbnail(
                path: Self.fixture("two-colours.jpg"), variant: Self.variant(64), maxPixels: 1 << 30, maxWholePixels: 9599, decodedWhole: true, quality: 80)
        }
    }

    @Test func undecodableInputFails() {
        for name in ["truncated.jpg", "missing.jpg"] {
            #expect {
                try Vips.thumbnail(path: Self.fixture(name), variant: Self.variant(64, .contain, .webp), maxPixels: 1 << 30, quality: 80)
            } throws: { error in
                if case .undecodable = error as? Vips.Failure { return true }
                return false
            }
        }
    }
}
