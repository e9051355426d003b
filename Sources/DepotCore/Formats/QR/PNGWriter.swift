/// Writes a 1-bit greyscale PNG (PNG spec §11: IHDR, IDAT, IEND) of a QR code, in memory.
package enum PNGWriter {
    /// - Parameters:
    ///   - code: the symbol.
    ///   - scale: pixels per module.
    ///   - margin: quiet zone in modules.
    ///   - compressor: zlib.
    package static func qrCode(_ code: QRCode, scale: Int, margin: Int, compressor: any Compressor) throws -> [UInt8] {
        let modules = code.size + 2 * margin
        let width = modules * scale
        let rowBytes = (width + 7) / 8
        var raw = [UInt8]()
        raw.reserveCapacity((rowBytes + 1) * width)
        var row = [UInt8](repeating: 0, count: rowBytes)
        for moduleY in 0..<modules {
            // 1 = white in a greyscale PNG; dark modules clear their bits.
            for index in row.indices { row[index] = 0xFF }
            let y = moduleY - margin
            if y >= 0 && y < code.size {
                for x in 0..<code.size where code.isDark(x: x, y: y) {
                    let start = (x + margin) * scale
                    for pixel in start..<(start + scale) { row[pixel >> 3] &= ~(0x80 >> UInt8(pixel & 7)) }
                }
            }
            // The first pixel row of a module row is stored as is (filter None); its repeats use the
            // Up filter and become zeros, which deflate squeezes at almost no cost.
            raw.append(0)
            raw.append(contentsOf: row)
            for _ in 1..<max(scale, 1) {
                raw.append(2)
                raw.append(contentsOf: repeatElement(0, count: rowBytes))
            }
        }
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header = [UInt8]()
        header += bigEndian(UInt32(width))
        header += bigEndian(UInt32(width))
        header += [1, 0, 0, 0, 0]  // bit depth 1, greyscale, deflate, adaptive filters, no interlace
        appendChunk("IHDR", header, to: &out, compressor)
        appendChunk("IDAT", try compressor.zlibCompress(raw, level: 6), to: &out, compressor)
        appendChunk("IEND", [], to: &out, compressor)
        return out
    }

    static func appendChunk(_ type: String, _ data: [UInt8], to out: inout [UInt8], _ compressor: any Compressor) {
        out += bigEndian(UInt32(data.count))
        let typed = Array(type.utf8) + data
        out += typed
        out += bigEndian(compressor.crc32(typed))
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}
