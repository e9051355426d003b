/// Width and height from image headers, as Pillow reports them (stored size, EXIF orientation not applied).
enum ImageHeaders {
    static func image(_ format: String, _ type: String, _ ext: String, _ width: Int?, _ height: Int?) -> SniffResult {
        SniffResult(kind: .image, format: format, contentType: type, fileExtension: ext, width: width, height: height)
    }

    static func png(_ r: ByteReader) -> SniffResult? {
        // IHDR is the first chunk: length(4) "IHDR" width(4, BE) height(4, BE).
        guard r.matches("IHDR", at: 12), let w = r.uint32(16, bigEndian: true), let h = r.uint32(20, bigEndian: true) else {
            return image("png", "image/png", "png", nil, nil)
        }
        return image("png", "image/png", "png", Int(w), Int(h))
    }

    static func gif(_ r: ByteReader) -> SniffResult? {
        let w = r.uint16(6, bigEndian: false).map(Int.init)
        let h = r.uint16(8, bigEndian: false).map(Int.init)
        return image("gif", "image/gif", "gif", w, h)
    }

    static func jpeg(_ r: ByteReader) -> SniffResult? {
        // Walk the markers after SOI; each segment carries its own length. SOFn (C0–CF except
        // C4 DHT, C8 JPG, CC DAC) holds precision(1) height(2) width(2).
        var offset = 2
        while offset + 4 <= r.count {
            guard r.byte(offset) == 0xFF else { break }
            var marker = r.byte(offset + 1)!
            // Fill bytes (0xFF 0xFF ...) are allowed before a marker.
            while marker == 0xFF, let next = r.byte(offset + 2) {
                offset += 1
                marker = next
            }
            if marker == 0xD8 || (0xD0...0xD7).contains(marker) || marker == 0x01 {
                offset += 2
                continue
            }
            if marker == 0xD9 || marker == 0xDA { break }
            guard let length = r.uint16(offset + 2, bigEndian: true), length >= 2 else { break }
            if (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker) {
                guard let h = r.uint16(offset + 5, bigEndian: true), let w = r.uint16(offset + 7, bigEndian: true) else { break }
                return image("jpeg", "image/jpeg", "jpg", Int(w), Int(h))
            }
            offset += 2 + Int(length)
        }
        return image("jpeg", "image/jpeg", "jpg", nil, nil)
    }

    static func webp(_ r: ByteReader) -> SniffResult? {
        let chunk = r.ascii(12, 4)
        var w: Int?
        var h: Int?
        switch chunk {
        case "VP8 ":
            // Key frame: 3-byte frame tag, start code 9D 01 2A, then 14-bit width and height.
            if r.matches([0x9D, 0x01, 0x2A], at: 23), let ww = r.uint16(26, bigEndian: false), let hh = r.uint16(28, bigEndian: false) {
                w = Int(ww & 0x3FFF)
                h = Int(hh & 0x3FFF)
            }
        case "VP8L":
            // Signature 0x2F, then 14-bit width-1 and height-1, little-endian bit-packed.
            if r.byte(20) == 0x2F, let bits = r.uint32(21, bigEndian: false) {
                w = Int(bits & 0x3FFF) + 1
                h = Int((bits >> 14) & 0x3FFF) + 1
            }
        case "VP8X":
            // Canvas width-1 and height-1 as 24-bit little-endian at 24 and 27.
            if let ww = r.uint24le(24), let hh = r.uint24le(27) {
                w = Int(ww) + 1
                h = Int(hh) + 1
            }
        default:
            return nil
        }
        return image("webp", "image/webp", "webp", w, h)
    }

    static func bmp(_ r: ByteReader) -> SniffResult? {
        // BITMAPFILEHEADER (14) then a DIB header whose size tells its kind.
        guard let dibSize = r.uint32(14, bigEndian: false), [12, 40, 52, 56, 64, 108, 124].contains(dibSize) else { return nil }
        if dibSize == 12 {
            guard let w = r.uint16(18, bigEndian: false), let h = r.uint16(20, bigEndian: false) else { return nil }
            return image("bmp", "image/bmp", "bmp", Int(w), Int(h))
        }
        guard let w = r.uint32(18, bigEndian: false), let h = r.uint32(22, bigEndian: false) else { return nil }
        // Height is negative for top-down bitmaps.
        return image("bmp", "image/bmp", "bmp", Int(Int32(bitPattern: w)), abs(Int(Int32(bitPattern: h))))
    }

    static func tiff(_ r: ByteReader) -> SniffResult? {
        let big = r.byte(0) == UInt8(ascii: "M")
        guard let ifd = r.uint32(4, bigEndian: big), let entries = r.uint16(Int(ifd), bigEndian: big) else {
            return image("tiff", "image/tiff", "tiff", nil, nil)
        }
        var w: Int?
        var h: Int?
        for index in 0..<Int(min(entries, 512)) {
            let entry = Int(ifd) + 2 + index * 12
            guard let tag = r.uint16(entry, bigEndian: big), let type = r.uint16(entry + 2, bigEndian: big) else { break }
            // SHORT (3) values sit in the first two bytes of the value field, LONG (4) fill it.
            let value: Int? = type == 3 ? r.uint16(entry + 8, bigEndian: big).map(Int.init) : r.uint32(entry + 8, bigEndian: big).map(Int.init)
            if tag == 256 { w = value }
            if tag == 257 { h = value }
        }
        return image("tiff", "image/tiff", "tiff", w, h)
    }

    static func ico(_ r: ByteReader) -> SniffResult? {
        guard let count = r.uint16(4, bigEndian: false), count > 0, count <= 256 else { return nil }
        // Pillow reports the largest image; a 0 byte means 256.
        var best: (Int, Int)?
        for index in 0..<Int(count) {
            let entry = 6 + index * 16
            guard let wb = r.byte(entry), let hb = r.byte(entry + 1) else { break }
            let w = wb == 0 ? 256 : Int(wb)
            let h = hb == 0 ? 256 : Int(hb)
            if best == nil || w * h > best!.0 * best!.1 { best = (w, h) }
        }
        guard let best else { return nil }
        return image("ico", "image/vnd.microsoft.icon", "ico", best.0, best.1)
    }
}
