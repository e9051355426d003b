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
