/// Container headers of video/audio files, and the ISO-BMFF image formats (AVIF, HEIF).
enum MediaHeaders {
    /// ISO base media (MP4, MOV, M4A, AVIF, HEIF): the `ftyp` brands decide the format.
    static func isoBMFF(_ r: ByteReader) -> SniffResult? {
        guard let size = r.uint32(0, bigEndian: true), size >= 16, let major = r.ascii(8, 4) else { return nil }
        var brands = [major]
        var offset = 16
        while offset + 4 <= min(Int(size), r.count) {
            brands.append(r.ascii(offset, 4) ?? "")
            offset += 4
        }
        let boxes = BoxWalker(reader: r)
        if brands.contains("avif") || brands.contains("avis") {
            let (w, h) = boxes.largestImageSpatialExtent()
            return ImageHeaders.image("avif", "image/avif", "avif", w, h)
        }
        if ["heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"].contains(major) {
            let (w, h) = boxes.largestImageSpatialExtent()
            return ImageHeaders.image("heif", "image/heic", "heic", w, h)
        }
        let (w, h) = boxes.videoTrackSize()
        if major == "qt  " { return ContentSniffer.media("mov", "video/quicktime", "mov", width: w, height: h) }
        if major.hasPrefix("M4A") || major.hasPrefix("M4B") { return ContentSniffer.media("m4a", "audio/mp4", "m4a") }
        return ContentSniffer.media("mp4", "video/mp4", "mp4", width: w, height: h)
    }

    /// Matroska/WebM: the EBML DocType names it; Tracks → Video holds PixelWidth/PixelHeight.
    static func matroska(_ r: ByteReader) -> SniffResult? {
        var parser = EBMLReader(reader: r)
        guard let header = parser.element(at: 0), header.id == 0x1A45DFA3 else { return nil }
        var docType = "matroska"
        var offset = header.dataStart
        while offset < min(header.dataEnd, r.count), let child = parser.element(at: offset) {
            if child.id == 0x4282, let text = r.ascii(child.dataStart, min(child.size, 16)) {
                docType = text.trimmingCharacters(in: "\0")
            }
            offset = child.dataEnd
        }
        let (w, h) = parser.videoSize(from: header.dataEnd)
        return docType == "webm"
            ? ContentSniffer.media("webm", "video/webm", "webm", width: w, height: h)
            : ContentSniffer.media("mkv", "video/x-matroska", "mkv", width: w, height: h)
    }

    /// A frame sync of 0xFFF: ADTS AAC (layer 00) or MPEG audio layer I–III.
    static func mpegAudio(_ r: ByteReader) -> SniffResult? {
        guard let second = r.byte(1), let third = r.byte(2) else { return nil }
        if second & 0xF6 == 0xF0 { return ContentSniffer.media("aac", "audio/aac", "aac") }
        let layer = (second >> 1) & 0x3
        let bitrate = third >> 4
        let sampleRate = (third >> 2) & 0x3
        if second & 0xE0 == 0xE0, layer != 0, bitrate != 0xF, sampleRate != 0x3, (second >> 3) & 0x3 != 1 {
            return ContentSniffer.media("mp3", "audio/mpeg", "mp3")
        }
        return nil
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(self.filter { $0 != set })
    }
}

/// Walks ISO-BMFF boxes inside a prefix, descending into the containers that matter.
struct BoxWalker {
    let reader: ByteReader
    /// Told the type of each top-level box whose size field says "to the end of the file".
    var openEnded: ((String) -> Void)?
    private static let containers: Set<String> = ["moov", "trak", "mdia", "minf", "stbl", "iprp", "ipco", "meta", "edts"]

    /// Calls `visit(type, payloadStart, end)` for every box, depth first.
    func walk(from start: Int, to end: Int, depth: Int = 0, descending: Bool = true, _ visit: (String, Int, Int) -> Void) {
        var offset = start
        while offset + 8 <= min(end, self.reader.count), depth < 8 {
            guard let size32 = self.reader.uint32(offset, bigEndian: true), let type = self.reader.ascii(offset + 4, 4) else { return }
            var header = 8
            var size = Int(size32)
            if size32 == 1 {
                guard let large = self.reader.uint64be(offset + 8), large < UInt64(Int.max / 2) else { return }
                size = Int(large)
                header = 16
            } else if size32 == 0 {
                // "To the end of the file": inside a prefix that end is unknown. Only a top-level
                // box may say so (mdat does); record it so no size is taken from such a box.
                guard depth == 0 else { return }
                size = end - offset
                self.openEnded?(type)
            }
            guard size >= header else { return }
            let boxEnd = offset + size
            // Inside a container, a box must end within its parent: one that overflows it is
            // malformed, and reading on would take bytes of the parent's siblings as its own.
            // (At the top level `end` is only where the prefix stops, so a larger box is fine there.)
            if depth > 0 && boxEnd > end { return }
            visit(type, offset + header, boxEnd)
            if descending && BoxWalker.containers.contains(type) {
                // `meta` is a FullBox: 4 bytes of version and flags before its children.
                let childStart = offset + header + (type == "meta" ? 4 : 0)
                self.walk(from: childStart, to: boxEnd, depth: depth + 1, visit)
            }
            offset = boxEnd
        }
    }

    /// The displayed size of the primary image: the largest `ispe` (image spatial extent; a grid is
    /// larger than its tiles), cropped by a `clap` (clean aperture) when the encoder padded the picture.
    func largestImageSpatialExtent() -> (Int?, Int?) {
        var best: (Int, Int)?
        var cleanAperture: (Int, Int)?
        // The item properties live in the file's top-level `meta` box, and only there: boxes of the
        // same names elsewhere describe nothing. Only a `meta` box wholly inside the prefix gives a
        // size, since a part of it could miss a larger extent or a crop that comes later.
        var meta: (payload: Int, end: Int)?
        var metaOpenEnded = false
        var topLevel = self
        topLevel.openEnded = { type in if type == "meta" && meta == nil { metaOpenEnded = true } }
        topLevel.walk(from: 0, to: self.reader.count, descending: false) { type, payload, end in
            if type == "meta", meta == nil { meta = (payload, end) }
        }
        // A meta box sized "to the end of the file" is never known to be complete in a prefix.
        guard let meta, !metaOpenEnded, meta.end <= self.reader.count else { return (nil, nil) }
        // `meta` is a FullBox: its children start after 4 bytes of version and flags.
        self.walk(from: meta.payload + 4, to: meta.end, depth: 1) { type, payload, _ in
            if type == "ispe", let w = self.reader.uint32(payload + 4, bigEndian: true), let h = self.reader.uint32(payload + 8, bigEndian: true) {
                // Two 32-bit sides multiply to at most 64 bits: compare as UInt64, which cannot overflow.
                if best == nil || UInt64(w) * UInt64(h) > UInt64(best!.0) * UInt64(best!.1) { best = (Int(w), Int(h)) }
            }
            if type == "clap", cleanAperture == nil,
                let wn = self.reader.uint32(payload, bigEndian: true), let wd = self.reader.uint32(payload + 4, bigEndian: true),
                let hn = self.reader.uint32(payload + 8, bigEndian: true), let hd = self.reader.uint32(payload + 12, bigEndian: true),
                wd > 0, hd > 0
            {
                cleanAperture = (Int(Int32(bitPattern: wn)) / Int(wd), Int(Int32(bitPattern: hn)) / Int(hd))
            }
        }
        if let cleanAperture, cleanAperture.0 > 0, cleanAperture.1 > 0 { return (cleanAperture.0, cleanAperture.1) }
        return (best?.0, best?.1)
    }

    /// Width and height (16.16 fixed point) of the first track header with a picture.
    func videoTrackSize() -> (Int, Int) {
        var found: (Int, Int)?
        self.walk(from: 0, to: self.reader.count) { type, payload, _ in
            guard found == nil, type == "tkhd", let version = self.reader.byte(payload) else { return }
            let base = payload + (version == 1 ? 88 : 76)
            guard let w = self.reader.uint32(base, bigEndian: true), let h = self.reader.uint32(base + 4, bigEndian: true), w > 0, h > 0 else { return }
            found = (Int(w >> 16), Int(h >> 16))
        }
        return found ?? (0, 0)
    }
}

/// Reads EBML elements (RFC 8794): variable-length IDs and sizes.
struct EBMLReader {
    struct Element {
        var id: UInt32
        var dataStart: Int
        var size: Int
        var dataEnd: Int
    }

    let reader: ByteReader

    init(reader: ByteReader) { self.reader = reader }

    func element(at offset: Int) -> Element? {
        guard let first = self.reader.byte(offset), first != 0 else { return nil }
        let idLength = first.leadingZeroBitCount + 1
        guard idLength <= 4 else { return nil }
        var id = UInt32(0)
        for index in 0..<idLength {
            guard let byte = self.reader.byte(offset + index) else { return nil }
            id = id << 8 | UInt32(byte)
        }
        guard let sizeFirst = self.reader.byte(offset + idLength), sizeFirst != 0 else { return nil }
        let sizeLength = sizeFirst.leadingZeroBitCount + 1
        var size = UInt64(sizeFirst & (0xFF >> sizeLength))
        var allOnes = size == UInt64(0xFF >> sizeLength)
        for index in 1..<sizeLength {
            guard let byte = self.reader.byte(offset + idLength + index) else { return nil }
            size = size << 8 | UInt64(byte)
            allOnes = allOnes && byte == 0xFF
        }
        let dataStart = offset + idLength + sizeLength
        // All ones means "unknown size" (live streams, segments written on the fly).
        let length = allOnes ? Int.max / 4 : Int(min(size, UInt64(Int.max / 4)))
        return Element(id: id, dataStart: dataStart, size: length, dataEnd: dataStart &+ length)
    }

    /// PixelWidth/PixelHeight of the first video track: Segment → Tracks → TrackEntry → Video.
    func videoSize(from start: Int) -> (Int, Int) {
        let containers: Set<UInt32> = [0x18538067, 0x1654AE6B, 0xAE, 0xE0]
        var width = 0
        var height = 0
        var offset = start
        var steps = 0
        while offset < self.reader.count, steps < 10_000, let element = self.element(at: offset) {
            steps += 1
            if element.id == 0x1F43B675 { break }  // first Cluster: no Tracks before it
            if element.id == 0xB0 || element.id == 0xBA {
                // An unsigned integer of up to 8 bytes; a pixel count that does not fit in 32 bits is
                // no real size (and shifted into Int it would turn negative): read as 0, unknown.
                var value: UInt64 = 0
                for index in 0..<min(element.size, 8) { value = value << 8 | UInt64(self.reader.byte(element.dataStart + index) ?? 0) }
                let pixels = value <= UInt64(UInt32.max) ? Int(value) : 0
                if element.id == 0xB0, width == 0 { width = pixels }
                if element.id == 0xBA, height == 0 { height = pixels }
                if width > 0 && height > 0 { break }
            }
            offset = containers.contains(element.id) ? element.dataStart : element.dataEnd
        }
        return (width, height)
    }
}
