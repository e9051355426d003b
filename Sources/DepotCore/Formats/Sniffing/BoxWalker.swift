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
