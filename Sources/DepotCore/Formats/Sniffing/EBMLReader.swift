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
