/// A QR Code symbol (ISO/IEC 18004), encoded in byte mode.
///
/// The encoder picks the smallest version (1–40) that holds the data at the requested error
/// correction level, adds Reed–Solomon codewords per block, interleaves, places the bits, and keeps
/// the mask (of eight) with the lowest penalty score.
package struct QRCode: Sendable {
    package enum ErrorCorrection: Int, Sendable, CaseIterable {
        case low = 0, medium, quartile, high

        /// `L`, `M`, `Q` or `H`.
        package init?(letter: String) {
            switch letter.uppercased() {
            case "L": self = .low
            case "M": self = .medium
            case "Q": self = .quartile
            case "H": self = .high
            default: return nil
            }
        }

        /// The two format bits (L=01, M=00, Q=11, H=10).
        var formatBits: Int { [1, 0, 3, 2][self.rawValue] }
    }

    package enum EncodeError: Error, Sendable, Equatable {
        case tooLong(maximumBytes: Int)
    }

    package let version: Int
    package let size: Int
    package let mask: Int
    /// Row-major dark modules.
    package private(set) var modules: [Bool]

    package func isDark(x: Int, y: Int) -> Bool { self.modules[y * self.size + x] }

    /// Encodes bytes (UTF-8 text in byte mode; an ECI 26 header marks non-ASCII text as UTF-8).
    /// - Throws: `EncodeError.tooLong` when even version 40 cannot hold the data.
    package init(bytes: [UInt8], correction: ErrorCorrection, forceMask: Int? = nil) throws(EncodeError) {
        let markUTF8 = bytes.contains { $0 >= 0x80 }
        var chosen: Int?
        for version in 1...40 {
            let bits = QRCode.segmentBits(count: bytes.count, version: version, eci: markUTF8)
            if bits <= QRCode.dataCodewords(version, correction) * 8 {
                chosen = version
                break
            }
        }
        guard let version = chosen else {
            let capacity = QRCode.dataCodewords(40, correction) - 3 - (markUTF8 ? 2 : 0)
            throw .tooLong(maximumBytes: capacity)
        }
        self.version = version
        self.size = version * 4 + 17

        // Data bits: [ECI 26] mode 0100, count, bytes, terminator, pad.
        var writer = BitWriter()
        if markUTF8 {
            writer.append(0b0111, 4)
            writer.append(26, 8)
        }
        writer.append(0b0100, 4)
        writer.append(bytes.count, version <= 9 ? 8 : 16)
        for byte in bytes { writer.append(Int(byte), 8) }
        let capacityBits = QRCode.dataCodewords(version, correction) * 8
        writer.append(0, min(4, capacityBits - writer.count))
        writer.append(0, (8 - writer.count % 8) % 8)
        var codewords = writer.bytes
        var pad: UInt8 = 0xEC
        while codewords.count * 8 < capacityBits {
            codewords.append(pad)
            pad ^= 0xEC ^ 0x11
        }

        var grid = Grid(version: version)
        grid.drawFunctionPatterns()
        grid.drawCodewords(QRCode.addErrorCorrection(codewords, version: version, correction: correction))
        // Try every mask; keep the lowest penalty (first wins ties).
        var best = (mask: 0, penalty: Int.max)
        for candidate in forceMask.map({ [$0] }) ?? Array(0..<8) {
            grid.applyMask(candidate)
            grid.drawFormatBits(correction: correction, mask: candidate)
            let penalty = grid.penalty()
            if penalty < best.penalty { best = (candidate, penalty) }
            grid.applyMask(candidate)  // XOR again: undo
        }
        grid.applyMask(best.mask)
        grid.drawFormatBits(correction: correction, mask: best.mask)
        self.mask = best.mask
        self.modules = grid.dark
    }

    static func segmentBits(count: Int, version: Int, eci: Bool) -> Int {
        (eci ? 12 : 0) + 4 + (version <= 9 ? 8 : 16) + count * 8
    }

    // MARK: Capacity tables (ISO/IEC 18004, table 9), indexed [level][version].

    static let eccCodewordsPerBlock: [[Int]] = [
        [-1, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
        [-1, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],
        [-1, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
        [-1, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
    ]

    static let errorCorrectionBlocks: [[Int]] = [
        [-1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],
        [-1, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],
        [-1, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68],
        [-1, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81],
    ]

    /// Modules available for data and error correction (everything but function patterns).
    static func rawDataModules(_ version: Int) -> Int {
        var result = (16 * version + 128) * version + 64
        if version >= 2 {
            let alignments = version / 7 + 2
            result -= (25 * alignments - 10) * alignments - 55
            if version >= 7 { result -= 36 }
        }
        return result
    }

    static func dataCodewords(_ version: Int, _ correction: ErrorCorrection) -> Int {
        rawDataModules(version) / 8 - eccCodewordsPerBlock[correction.rawValue][version] * errorCorrectionBlocks[correction.rawValue][version]
    }

    /// Splits data into blocks, appends each block's Reed–Solomon codewords, and interleaves.
    static func addErrorCorrection(_ data: [UInt8], version: Int, correction: ErrorCorrection) -> [UInt8] {
        let blocks = errorCorrectionBlocks[correction.rawValue][version]
        let eccLength = eccCodewordsPerBlock[correction.rawValue][version]
        let rawCodewords = rawDataModules(version) / 8
        let shortBlocks = blocks - rawCodewords % blocks
        let shortLength = rawCodewords / blocks
        let generator = ReedSolomon.generator(degree: eccLength)
        var dataBlocks: [[UInt8]] = []
        var eccBlocks: [[UInt8]] = []
        var offset = 0
        for index in 0..<blocks {
            let length = shortLength - eccLength + (index < shortBlocks ? 0 : 1)
            let block = Array(data[offset..<(offset + length)])
            offset += length
            dataBlocks.append(block)
            eccBlocks.append(ReedSolomon.remainder(block, generator: generator))
        }
        var result: [UInt8] = []
        result.reserveCapacity(rawCodewords)
        let longest = shortLength - eccLength + 1
        for position in 0..<longest {
            for block in dataBlocks where position < block.count { result.append(block[position]) }
        }
        for position in 0..<eccLength {
            for block in eccBlocks { result.append(block[position]) }
        }
        return result
    }
}
