/// Width and height from image headers, as Pillow reports them (stored size, EXIF orientation not applied).
///
/// Every size is read as an unsigned field and kept only when it is non-negative: an image result
/// always has both. A file that starts like an image but whose size cannot be read from its header
/// is not treated as an image at all (`SniffResult.unknownBinary`), so it can never pass the pixel
/// limit by having no size.
enum ImageHeaders {
    static func image(_ format: String, _ type: String, _ ext: String, _ width: Int?, _ height: Int?) -> SniffResult {
        guard let width, let height, width >= 0, height >= 0 else { return .unknownBinary }
        return SniffResult(kind: .image, format: format, contentType: type, fileExtension: ext, width: width, height: height)
    }

    static func png(_ r: ByteReader) -> SniffResult? {
        // IHDR is the first chunk: length(4) "IHDR" width(4, BE) height(4, BE).
        guard r.matches("IHDR", at: 12), let w = r.uint32(16, bigEndian: true), let h = r.uint32(20, bigEndian: true) else {
            return image("png", "image/png", "png", nil, nil)
        }
        return image("png", "image/png", "png", Int(w), Int(h))
    }

    /// Pillow reports the logical screen grown to the first frame's extent (left + width, top +
    /// height), so the first image descriptor must be reached: a 1 × 1 screen may hold a huge frame.
    static func gif(_ r: ByteReader) -> SniffResult? {
        guard let screenWidth = r.uint16(6, bigEndian: false), let screenHeight = r.uint16(8, bigEndian: false),
            let flags = r.byte(10)
        else { return image("gif", "image/gif", "gif", nil, nil) }
        var offset = 13
        if flags & 0x80 != 0 { offset += 3 << (Int(flags & 0x07) + 1) }  // global colour table
        while let block = r.byte(offset) {
            switch block {
            case 0x2C:  // image descriptor: left, top, width, height (LE16 each)
                guard let left = r.uint16(offset + 1, bigEndian: false), let top = r.uint16(offset + 3, bigEndian: false),
                    let w = r.uint16(offset + 5, bigEndian: false), let h = r.uint16(offset + 7, bigEndian: false)
                else { return image("gif", "image/gif", "gif", nil, nil) }
                let width = max(Int(screenWidth), Int(left) + Int(w))
                let height = max(Int(screenHeight), Int(top) + Int(h))
                return image("gif", "image/gif", "gif", width, height)
            case 0x21:  // extension: label, then data sub-blocks up to a zero-length one
                offset += 2
                while let length = r.byte(offset), length != 0 { offset += 1 + Int(length) }
                guard r.byte(offset) != nil else { return image("gif", "image/gif", "gif", nil, nil) }
                offset += 1
            case 0x3B:  // the trailer before any frame: Pillow finds no image
                return image("gif", "image/gif", "gif", nil, nil)
            default:  // Pillow skips any other byte
                offset += 1
            }
        }
        return image("gif", "image/gif", "gif", nil, nil)
    }

    /// The marker walk Pillow does: non-0xFF bytes between segments are skipped as junk, fill
    /// bytes collapse, and every SOFn up to the start of scan sets the size (the last one wins).
    /// The size counts only once the walk reaches SOS: a later SOF could still change it.
    static func jpeg(_ r: ByteReader) -> SniffResult? {
        var offset = 2
        var size: (Int, Int)?
        while let byte = r.byte(offset) {
            guard byte == 0xFF else {
                offset += 1  // junk
                continue
            }
            guard var marker = r.byte(offset + 1) else { break }
            // Fill bytes (0xFF 0xFF ...) are allowed before a marker.
            while marker == 0xFF, let next = r.byte(offset + 2) {
                offset += 1
                marker = next
            }
            if marker == 0xFF { break }
            if marker == 0x00 || marker == 0xD8 || (0xD0...0xD7).contains(marker) || marker == 0x01 {
                offset += 2
                continue
            }
            if marker == 0xDA { return image("jpeg", "image/jpeg", "jpg", size?.0, size?.1) }
            if marker == 0xD9 { break }
            guard let length = r.uint16(offset + 2, bigEndian: true), length >= 2 else { break }
            if (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker) {
                // precision(1) height(2) width(2) components(1): shorter is no frame header.
                guard length >= 8, let h = r.uint16(offset + 5, bigEndian: true), let w = r.uint16(offset + 7, bigEndian: true) else {
                    break
                }
                size = (Int(w), Int(h))
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
        // As Pillow reads them: the width unsigned; a height whose top byte is 0xFF is a top-down
        // bitmap's negative height, taken as 2³² − h.
        return image("bmp", "image/bmp", "bmp", Int(w), h >> 24 == 0xFF ? Int(1 << 32 - UInt64(h)) : Int(h))
    }

    static func tiff(_ r: ByteReader) -> SniffResult? {
        let big = r.byte(0) == UInt8(ascii: "M")
        guard let ifd = r.uint32(4, bigEndian: big), let entries = r.uint16(Int(ifd), bigEndian: big) else {
            return image("tiff", "image/tiff", "tiff", nil, nil)
        }
        // The whole directory must be in the prefix: a size read from part of it could change
        // once the rest is read (a later entry for the same tag).
        guard Int(ifd) + 2 + Int(entries) * 12 <= r.count else { return image("tiff", "image/tiff", "tiff", nil, nil) }
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
        // Every directory entry must be in the prefix, or the largest image could be one not read yet.
        guard 6 + Int(count) * 16 <= r.count else { return nil }
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
