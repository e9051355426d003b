/// Identifies a file from its first bytes, never from its name or declared type.
///
/// A signature table picks the format; a per-format reader then takes width and height from the
/// header (PNG IHDR big-endian, GIF little-endian, JPEG by a length-checked marker walk, ...).
package enum ContentSniffer {
    /// How many leading bytes callers should collect before sniffing.
    package static let prefixSize = 256 * 1024

    private struct Signature: Sendable {
        let offset: Int
        let bytes: [UInt8?]  // nil = any byte
        let identify: @Sendable (ByteReader) -> SniffResult?
    }

    private static func ascii(_ text: String) -> [UInt8?] { text.utf8.map { $0 } }

    private static let signatures: [Signature] = [
        Signature(offset: 0, bytes: [0xFF, 0xD8, 0xFF], identify: ImageHeaders.jpeg),
        Signature(offset: 0, bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], identify: ImageHeaders.png),
        Signature(offset: 0, bytes: ascii("GIF87a"), identify: ImageHeaders.gif),
        Signature(offset: 0, bytes: ascii("GIF89a"), identify: ImageHeaders.gif),
        Signature(offset: 0, bytes: ascii("RIFF") + [nil, nil, nil, nil] + ascii("WEBP"), identify: ImageHeaders.webp),
        Signature(offset: 0, bytes: ascii("RIFF") + [nil, nil, nil, nil] + ascii("WAVE"), identify: { _ in media("wav", "audio/wav", "wav") }),
        Signature(offset: 0, bytes: ascii("BM"), identify: ImageHeaders.bmp),
        Signature(offset: 0, bytes: ascii("II*\u{0}"), identify: ImageHeaders.tiff),
        Signature(offset: 0, bytes: ascii("MM\u{0}*"), identify: ImageHeaders.tiff),
        Signature(offset: 0, bytes: [0, 0, 1, 0], identify: ImageHeaders.ico),
        Signature(offset: 4, bytes: ascii("ftyp"), identify: MediaHeaders.isoBMFF),
        Signature(offset: 0, bytes: [0x1A, 0x45, 0xDF, 0xA3], identify: MediaHeaders.matroska),
        Signature(offset: 0, bytes: ascii("OggS"), identify: { _ in media("ogg", "audio/ogg", "ogg") }),
        Signature(offset: 0, bytes: ascii("fLaC"), identify: { _ in media("flac", "audio/flac", "flac") }),
        Signature(offset: 0, bytes: ascii("ID3"), identify: { _ in media("mp3", "audio/mpeg", "mp3") }),
        Signature(offset: 0, bytes: [0xFF], identify: MediaHeaders.mpegAudio),
        Signature(offset: 0, bytes: ascii("%PDF-"), identify: { _ in other("application/pdf", "pdf") }),
        Signature(offset: 0, bytes: ascii("PK\u{3}\u{4}"), identify: { _ in other("application/zip", "zip") }),
        Signature(offset: 0, bytes: [0x1F, 0x8B], identify: { _ in other("application/gzip", "gz") }),
    ]

    /// - Parameter prefix: the first bytes of the file (up to `prefixSize`).
    /// - Returns: the best identification; `application/octet-stream` or `text/plain` when nothing matches.
    package static func sniff(_ prefix: ArraySlice<UInt8>) -> SniffResult {
        let reader = ByteReader(prefix)
        for signature in signatures where matches(signature, reader) {
            if let result = signature.identify(reader) { return result }
        }
        return sniffText(prefix)
    }

    package static func sniff(_ prefix: [UInt8]) -> SniffResult { sniff(prefix[...]) }

    private static func matches(_ signature: Signature, _ reader: ByteReader) -> Bool {
        for (index, expected) in signature.bytes.enumerated() {
            guard let actual = reader.byte(signature.offset + index) else { return false }
            if let expected, expected != actual { return false }
        }
        return true
    }

    static func media(_ format: String, _ type: String, _ ext: String, width: Int = 0, height: Int = 0) -> SniffResult {
        SniffResult(kind: .media, format: format, contentType: type, fileExtension: ext, width: width, height: height)
    }

    static func other(_ type: String, _ ext: String?) -> SniffResult {
        SniffResult(kind: .other, format: nil, contentType: type, fileExtension: ext)
    }

    /// Markup and text: HTML, SVG and XML are active content and must be recognised whatever the name says.
    private static func sniffText(_ prefix: ArraySlice<UInt8>) -> SniffResult {
        var start = prefix.startIndex
        if prefix.starts(with: [0xEF, 0xBB, 0xBF]) { start += 3 }
        while start < prefix.endIndex, [0x20, 0x09, 0x0A, 0x0D].contains(prefix[start]) { start += 1 }
        let head = String(decoding: prefix[start..<min(prefix.endIndex, start + 1024)], as: UTF8.self).lowercased()
        let htmlMarkers = ["<!doctype html", "<html", "<head", "<body", "<script", "<iframe", "<title", "<style", "<a ", "<img", "<div", "<table", "<p>", "<br", "<h1", "<!--"]
        if htmlMarkers.contains(where: { head.hasPrefix($0) }) { return other("text/html", "html") }
        if head.hasPrefix("<svg") || (head.hasPrefix("<?xml") && head.contains("<svg")) { return other("image/svg+xml", "svg") }
        if head.hasPrefix("<?xml") { return other("application/xml", "xml") }
        let sample = prefix[prefix.startIndex..<min(prefix.endIndex, prefix.startIndex + 8192)]
        let isText = !sample.isEmpty && !sample.contains(0) && String(validating: Array(sample.prefix(while: { _ in true })).dropLastIncompleteUTF8(), as: UTF8.self) != nil
        return isText ? other("text/plain; charset=utf-8", "txt") : .unknownBinary
    }
}

extension Array where Element == UInt8 {
    /// Drops a UTF-8 sequence cut off by the end of a prefix, so a valid text is not judged binary.
    fileprivate func dropLastIncompleteUTF8() -> [UInt8] {
        var end = self.count
        var back = 0
        while end > 0 && back < 3 && (self[end - 1] & 0xC0) == 0x80 {
            end -= 1
            back += 1
        }
        if end > 0 && self[end - 1] >= 0xC0 {
            let lead = self[end - 1]
            let needed = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : 1
            if back < needed { return Array(self[..<(end - 1)]) }
        }
        return self
    }
}
