/// A parsed `Content-Disposition` header (RFC 6266 / RFC 7578 §4.2, with RFC 5987 `filename*`).
package struct ContentDisposition: Sendable, Equatable {
    package var type: String
    /// Parameters by lower-cased name, values unquoted and unescaped.
    package var parameters: [String: String]

    package var name: String? { self.parameters["name"] }

    /// `filename*` wins over `filename` (RFC 6266 §4.3); nil when neither is present.
    package var filename: String? {
        if let extended = self.parameters["filename*"], let decoded = ContentDisposition.decodeExtendedValue(extended) {
            return decoded
        }
        return self.parameters["filename"]
    }

    /// Parses the header value.
    /// - Returns: nil when the value is not `type *( ";" param )`.
    package init?(parsing value: String) {
        var scanner = Scanner(Array(value.utf8))
        scanner.skipSpaces()
        guard let type = scanner.token() else { return nil }
        self.type = type.lowercased()
        var parameters: [String: String] = [:]
        while true {
            scanner.skipSpaces()
            if scanner.atEnd { break }
            guard scanner.take(UInt8(ascii: ";")) else { return nil }
            scanner.skipSpaces()
            if scanner.atEnd { break }  // a trailing ';' is tolerated
            guard let name = scanner.token() else { return nil }
            scanner.skipSpaces()
            guard scanner.take(UInt8(ascii: "=")) else { return nil }
            scanner.skipSpaces()
            let parameterValue: String
            if scanner.peek == UInt8(ascii: "\"") {
                guard let quoted = scanner.quotedString() else { return nil }
                parameterValue = quoted
            } else {
                // Browsers send unquoted values with characters outside `token`; take up to ';'.
                parameterValue = scanner.until(UInt8(ascii: ";")).trimmingSpaces
            }
            let key = name.lowercased()
            if parameters[key] == nil { parameters[key] = parameterValue }
        }
        self.parameters = parameters
    }

    /// Decodes an RFC 5987 `ext-value`: `charset'language'percent-encoded`.
    package static func decodeExtendedValue(_ value: String) -> String? {
        let parts = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        let charset = parts[0].lowercased()
        if charset == "utf-8" { return PercentEncoding.decode(parts[2]) }
        if charset == "iso-8859-1" {
            guard let latin = PercentEncoding.decodeBytes(parts[2]) else { return nil }
            return String(String.UnicodeScalarView(latin.map { Unicode.Scalar($0) }))
        }
        return nil
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { self.index >= self.bytes.count }
        var peek: UInt8? { self.atEnd ? nil : self.bytes[self.index] }

        mutating func skipSpaces() {
            while let byte = self.peek, byte == 0x20 || byte == 0x09 { self.index += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard self.peek == byte else { return false }
            self.index += 1
            return true
        }

        // RFC 7230 tchar.
        static func isTokenByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            default:
                return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
            }
        }

        mutating func token() -> String? {
            let start = self.index
            while let byte = self.peek, Scanner.isTokenByte(byte) { self.index += 1 }
            return self.index > start ? String(decoding: self.bytes[start..<self.index], as: UTF8.self) : nil
        }

        mutating func quotedString() -> String? {
            guard self.take(UInt8(ascii: "\"")) else { return nil }
            var out: [UInt8] = []
            while let byte = self.peek {
                self.index += 1
                switch byte {
                case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let escaped = self.peek else { return nil }
                    self.index += 1
                    out.append(escaped)
                default: out.append(byte)
                }
            }
            return nil  // unterminated
        }

        mutating func until(_ stop: UInt8) -> String {
            let start = self.index
            while let byte = self.peek, byte != stop { self.index += 1 }
            return String(decoding: self.bytes[start..<self.index], as: UTF8.self)
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: String { String(Substring(self).trimmingWhitespace()) }
}
