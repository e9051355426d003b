extension QRCode {
    /// The module matrix while it is built: colours plus which modules belong to function patterns.
    struct Grid {
        let version: Int
        let size: Int
        var dark: [Bool]
        var isFunction: [Bool]

        init(version: Int) {
            self.version = version
            self.size = version * 4 + 17
            self.dark = [Bool](repeating: false, count: self.size * self.size)
            self.isFunction = [Bool](repeating: false, count: self.size * self.size)
        }

        mutating func setFunction(_ x: Int, _ y: Int, _ isDark: Bool) {
            self.dark[y * self.size + x] = isDark
            self.isFunction[y * self.size + x] = true
        }

        /// Finder patterns with separators, timing patterns, alignment patterns, reserved format
        /// areas, the dark module and (version 7+) the version information.
        mutating func drawFunctionPatterns() {
            for index in 0..<self.size {
                self.setFunction(6, index, index % 2 == 0)
                self.setFunction(index, 6, index % 2 == 0)
            }
            self.drawFinder(3, 3)
            self.drawFinder(self.size - 4, 3)
            self.drawFinder(3, self.size - 4)
            let positions = self.alignmentPositions()
            for (i, x) in positions.enumerated() {
                for (j, y) in positions.enumerated() {
                    let corner = (i == 0 && j == 0) || (i == 0 && j == positions.count - 1) || (i == positions.count - 1 && j == 0)
                    if !corner { self.drawAlignment(x, y) }
                }
            }
            self.drawFormatBits(correction: .medium, mask: 0)  // reserves the areas; redrawn later
            self.drawVersion()
        }

        private mutating func drawFinder(_ cx: Int, _ cy: Int) {
            for dy in -4...4 {
                for dx in -4...4 {
                    let x = cx + dx
                    let y = cy + dy
                    guard x >= 0, x < self.size, y >= 0, y < self.size else { continue }
                    let distance = max(abs(dx), abs(dy))
                    self.setFunction(x, y, distance != 2 && distance != 4)
                }
            }
        }

        private mutating func drawAlignment(_ cx: Int, _ cy: Int) {
            for dy in -2...2 {
                for dx in -2...2 { self.setFunction(cx + dx, cy + dy, max(abs(dx), abs(dy)) != 1) }
            }
        }

        /// Centre coordinates of alignment patterns (ISO/IEC 18004 annex E).
        func alignmentPositions() -> [Int] {
            guard self.version > 1 else { return [] }
            let count = self.version / 7 + 2
            let step = (self.version * 8 + count * 3 + 5) / (count * 4 - 4) * 2
            var positions: [Int] = []
            var position = self.size - 7
            for _ in 0..<(count - 1) {
                positions.insert(position, at: 0)
                position -= step
            }
            return [6] + positions
        }

        /// 15 format bits (level, mask, BCH(15,5), XOR 0x5412), in both copies.
        mutating func drawFormatBits(correction: ErrorCorrection, mask: Int) {
            let bits = QRCode.formatBits(correction: correction, mask: mask)
            func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }
            for index in 0...5 { self.setFunction(8, index, bit(index)) }
            self.setFunction(8, 7, bit(6))
            self.setFunction(8, 8, bit(7))
            self.setFunction(7, 8, bit(8))
            for index in 9..<15 { self.setFunction(14 - index, 8, bit(index)) }
            for index in 0..<8 { self.setFunction(self.size - 1 - index, 8, bit(index)) }
            for index in 8..<15 { self.setFunction(8, self.size - 15 + index, bit(index)) }
            self.setFunction(8, self.size - 8, true)  // the dark module
        }

        /// 18 version bits (BCH(18,6)) in the two 6×3 blocks, for versions 7 and up.
        private mutating func drawVersion() {
            guard self.version >= 7 else { return }
            var remainder = self.version
            for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
            let bits = self.version << 12 | remainder
            for index in 0..<18 {
                let isDark = (bits >> index) & 1 == 1
                let a = self.size - 11 + index % 3
                let b = index / 3
                self.setFunction(a, b, isDark)
                self.setFunction(b, a, isDark)
            }
        }

        /// Places codeword bits in the two-column zigzag, right to left, skipping the timing column.
        mutating func drawCodewords(_ codewords: [UInt8]) {
            var bitIndex = 0
            let totalBits = codewords.count * 8
            var right = self.size - 1
            while right >= 1 {
                if right == 6 { right = 5 }
                for vertical in 0..<self.size {
                    for column in 0..<2 {
                        let x = right - column
                        let upward = ((right + 1) & 2) == 0
                        let y = upward ? self.size - 1 - vertical : vertical
                        guard !self.isFunction[y * self.size + x] else { continue }
                        if bitIndex < totalBits {
                            self.dark[y * self.size + x] = (codewords[bitIndex >> 3] >> (7 - UInt8(bitIndex & 7))) & 1 == 1
                            bitIndex += 1
                        }
                        // Remainder bits stay light.
                    }
                }
                right -= 2
            }
        }

        /// XORs a mask pattern over the data modules (applying it twice undoes it).
        mutating func applyMask(_ mask: Int) {
            for y in 0..<self.size {
                for x in 0..<self.size where !self.isFunction[y * self.size + x] {
                    let invert: Bool =
                        switch mask {
                        case 0: (x + y) % 2 == 0
                        case 1: y % 2 == 0
                        case 2: x % 3 == 0
                        case 3: (x + y) % 3 == 0
                        case 4: (x / 3 + y / 2) % 2 == 0
                        case 5: x * y % 2 + x * y % 3 == 0
                        case 6: (x * y % 2 + x * y % 3) % 2 == 0
                        default: ((x + y) % 2 + x * y % 3) % 2 == 0
                        }
                    if invert { self.dark[y * self.size + x].toggle() }
                }
            }
        }

        /// The penalty score of ISO/IEC 18004 §8.8.2 (N1 = 3, N2 = 3, N3 = 40, N4 = 10).
        func penalty() -> Int {
            var score = 0
            let n = self.size
            // N1: runs of five or more in a row or column. N3: the 1:1:3:1:1 finder-like pattern
            // with four light modules on one side, found with an 11-bit sliding window.
            let finderThenLight = 0b101_1101_0000
            let lightThenFinder = 0b000_0101_1101
            for horizontal in [true, false] {
                for line in 0..<n {
                    var runColor = false
                    var runLength = 0
                    var window = 0
                    for index in 0..<n {
                        let value = horizontal ? self.dark[line * n + index] : self.dark[index * n + line]
                        if index > 0 && value == runColor {
                            runLength += 1
                        } else {
                            if runLength >= 5 { score += 3 + runLength - 5 }
                            runColor = value
                            runLength = 1
                        }
                        window = ((window << 1) | (value ? 1 : 0)) & 0x7FF
                        if index >= 10 && (window == finderThenLight || window == lightThenFinder) { score += 40 }
                    }
                    if runLength >= 5 { score += 3 + runLength - 5 }
                }
            }
            // N2: 2×2 blocks of one colour.
            for y in 0..<(n - 1) {
                for x in 0..<(n - 1) {
                    let colour = self.dark[y * n + x]
                    if colour == self.dark[y * n + x + 1] && colour == self.dark[(y + 1) * n + x] && colour == self.dark[(y + 1) * n + x + 1] {
                        score += 3
                    }
                }
            }
            // N4: 10 points per 5 % that the dark share strays from 50 %.
            var darkCount = 0
            for module in self.dark where module { darkCount += 1 }
            let total = n * n
            let k = (abs(darkCount * 20 - total * 10) + total - 1) / total - 1
            score += k * 10
            return score
        }
    }

    /// The 15-bit format word for a level and mask.
    static func formatBits(correction: ErrorCorrection, mask: Int) -> Int {
        let data = correction.formatBits << 3 | mask
        var remainder = data
        for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
        return (data << 10 | remainder) ^ 0x5412
    }
}
