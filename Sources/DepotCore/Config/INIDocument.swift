/// An INI-style configuration file: `[section]` headers, `key = value` lines, `#`/`;` comments.
package struct INIDocument: Sendable, Equatable {
    /// One setting with where it came from, for error messages.
    package struct Entry: Sendable, Equatable {
        package var key: String  // "section.key"
        package var value: String
        package var line: Int
    }

    package var entries: [Entry]

    package struct SyntaxError: Error, Sendable, CustomStringConvertible, Equatable {
        package var line: Int
        package var reason: String
        package var description: String { "line \(self.line): \(self.reason)" }
    }

    /// Parses the text of a file.
    /// - Throws: `SyntaxError` naming the line of the first malformed line.
    package init(parsing text: String) throws(SyntaxError) {
        var entries: [Entry] = []
        var section: String?
        // Lines end in LF or CRLF. Splitting on "\n" alone is not enough: Swift reads CRLF as one
        // Character, so a CRLF file would be one line (and, starting with a comment, silently empty).
        var text = Substring(text)
        if text.hasPrefix("\u{FEFF}") { text = text.dropFirst() }
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (offset, rawLine) in lines.enumerated() {
            let number = offset + 1
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), line.count > 2 else {
                    throw SyntaxError(line: number, reason: "malformed section header '\(line)'")
                }
                let name = line.dropFirst().dropLast().trimmingWhitespace()
                guard INIDocument.isName(name) else {
                    throw SyntaxError(line: number, reason: "invalid section name '\(name)'")
                }
                section = String(name)
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw SyntaxError(line: number, reason: "expected 'key = value', got '\(line)'")
            }
            let key = line[..<equals].trimmingWhitespace()
            var value = line[line.index(after: equals)...].trimmingWhitespace()
            guard INIDocument.isName(key) else { throw SyntaxError(line: number, reason: "invalid key '\(key)'") }
            guard let section else {
                throw SyntaxError(line: number, reason: "key '\(key)' is outside any [section]")
            }
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = value.dropFirst().dropLast()
            }
            entries.append(Entry(key: "\(section).\(key)", value: String(value), line: number))
        }
        self.entries = entries
    }

    private static func isName(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "_")
        }
    }
}

extension Substring {
    /// The text without leading and trailing spaces and tabs (and a stray CR).
    package func trimmingWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = self.firstIndex(where: { !isSpace($0) }) else { return self[self.endIndex...] }
        let last = self.lastIndex(where: { !isSpace($0) })!
        return self[first...last]
    }
}
