/// A QR Code symbol (ISO/IEC 18004): its version and dark modules. Made by `QREncoder` (libqrencode,
/// in DepotSystem); drawn by `PNGWriter`.
package struct QRCode: Sendable, Equatable {
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

        /// The most bytes a version-40 symbol holds in byte mode at this level (ISO/IEC 18004
        /// table 7), two fewer when an ECI header marks the text as UTF-8.
        package func capacity(utf8Header: Bool) -> Int {
            [2953, 2331, 1663, 1273][self.rawValue] - (utf8Header ? 2 : 0)
        }
    }

    package enum EncodeError: Error, Sendable, Equatable {
        case tooLong(maximumBytes: Int)
    }

    /// 1–40.
    package let version: Int
    /// Modules per side: `version × 4 + 17`.
    package let size: Int
    /// Row-major dark modules.
    package let modules: [Bool]

    /// - Parameter modules: row-major, `size` × `size` for the version's size.
    package init(version: Int, modules: [Bool]) {
        self.version = version
        self.size = version * 4 + 17
        precondition(modules.count == self.size * self.size, "a version-\(version) symbol has \(self.size * self.size) modules")
        self.modules = modules
    }

    package func isDark(x: Int, y: Int) -> Bool { self.modules[y * self.size + x] }
}
