import DepotCore
import Testing

@Suite struct ContentSnifferTests {
    func box(_ type: String, _ payload: [UInt8]) -> [UInt8] {
        let size = UInt32(8 + payload.count)
        return [UInt8(size >> 24), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF)] + Array(type.utf8) + payload
    }

    func be32(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }

    func tkhd(width: UInt32, height: UInt32) -> [UInt8] {
        // version 0: 4 flags + 20 bytes of times/ids + 8 reserved + 8 layer/group/volume + 36 matrix = 76, then w, h.
        box("tkhd", [UInt8](repeating: 0, count: 76) + be32(width << 16) + be32(height << 16))
    }

    @Test func mp4WithItsVideoTrackSize() {
        let bytes = box("ftyp", Array("isom".utf8) + be32(512) + Array("isomiso2mp41".utf8))
            + box("moov", box("trak", tkhd(width: 0, height: 0)) + box("trak", tkhd(width: 1920, height: 1080)))
        let result = ContentSniffer.sniff(bytes)
        #expect(result == SniffResult(kind: .media, format: "mp4", contentType: "video/mp4", fileExtension: "mp4", width: 1920, height: 1080))
    }

    @Test func movAndM4aByBrand() {
        let mov = box("ftyp", Array("qt  ".utf8) + be32(0)) + box("mdat", [1, 2, 3])
        #expect(ContentSniffer.sniff(mov).format == "mov")
        #expect(ContentSniffer.sniff(mov).width == 0)  // moov not in the prefix: 0, as the contract says
        let m4a = box("ftyp", Array("M4A ".utf8) + be32(0) + Array("M4A mp42".utf8))
        #expect(ContentSniffer.sniff(m4a) == SniffResult(kind: .media, format: "m4a", contentType: "audio/mp4", fileExtension: "m4a", width: 0, height: 0))
    }

    @Test func webmAndMatroskaWithPixelSize() {
        func element(_ id: [UInt8], _ payload: [UInt8]) -> [UInt8] { id + [0x80 | UInt8(payload.count)] + payload }
        let header = element([0x1A, 0x45, 0xDF, 0xA3], element([0x42, 0x82], Array("webm".utf8)))
        let video = element([0xE0], element([0xB0], [0x02, 0x80]) + element([0xBA], [0x01, 0xE0]))
        // Segment with an unknown size (all ones), as live recorders write it.
        let segment: [UInt8] = [0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
            + element([0x16, 0x54, 0xAE, 0x6B], element([0xAE], element([0xD7], [1]) + video))
        let webm = ContentSniffer.sniff(header + segment)
        #expect(webm == SniffResult(kind: .media, format: "webm", contentType: "video/webm", fileExtension: "webm", width: 640, height: 480))
        let mkvHeader = element([0x1A, 0x45, 0xDF, 0xA3], element([0x42, 0x82], Array("matroska".utf8)))
        #expect(ContentSniffer.sniff(mkvHeader + segment).format == "mkv")
    }

    @Test(arguments: [
        ([UInt8]("ID3".utf8) + [4, 0, 0, 0, 0, 0, 0], "mp3", "audio/mpeg"),
        ([0xFF, 0xFB, 0x90, 0x64, 0, 0], "mp3", "audio/mpeg"),  // MPEG-1 layer III frame, no tag
        ([0xFF, 0xF1, 0x50, 0x80, 0x02, 0x1F, 0xFC], "aac", "audio/aac"),  // ADTS
        ([UInt8]("RIFF".utf8) + [36, 0, 0, 0] + [UInt8]("WAVEfmt ".utf8), "wav", "audio/wav"),
        ([UInt8]("OggS".utf8) + [0, 2, 0, 0], "ogg", "audio/ogg"),
        ([UInt8]("fLaC".utf8) + [0, 0, 0, 34], "flac", "audio/flac"),
    ])
    func audio(bytes: [UInt8], format: String, type: String) {
        let result = ContentSniffer.sniff(bytes)
        #expect(result.kind == .media)
        #expect(result.format == format)
        #expect(result.contentType == type)
    }

    @Test func truncatedHeadersDoNotCrashAndDoNotInventSizes() {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48]
        for length in 0...png.count {
            let result = ContentSniffer.sniff(Array(png.prefix(length)))
            if result.format == "png" { #expect(result.width == nil) }
        }
        // A JPEG whose segment lengths run off the end.
        let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 0x45]
        // Its size cannot be read, so it is not an image at all (never an image that skips the pixel limit).
        #expect(ContentSniffer.sniff(jpeg) == .unknownBinary)
        #expect(ContentSniffer.sniff([0xFF]).format == nil)
        #expect(ContentSniffer.sniff([]) == .unknownBinary)
    }

    @Test func activeContentIsRecognisedWhateverItClaims() {
        #expect(ContentSniffer.sniff(Array("\u{FEFF}  <!DOCTYPE html><p>".utf8)).contentType == "text/html")
        #expect(ContentSniffer.sniff(Array("<svg xmlns='http://www.w3.org/2000/svg'/>".utf8)).contentType == "image/svg+xml")
        #expect(ContentSniffer.sniff(Array("<?xml version='1.0'?><note/>".utf8)).contentType == "application/xml")
        #expect(ContentSniffer.sniff(Array("just text 中".utf8)).contentType == "text/plain; charset=utf-8")
        #expect(ContentSniffer.sniff([0, 1, 2, 3, 255]).contentType == "application/octet-stream")
        #expect(ContentSniffer.sniff(Array("%PDF-1.7\n".utf8)).fileExtension == "pdf")
    }
}
