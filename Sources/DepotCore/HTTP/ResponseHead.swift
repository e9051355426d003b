/// Status and headers of a response, before they are serialised for CGI/FastCGI.
package struct ResponseHead: Sendable {
    package var status: Int
    package var headers: [(name: String, value: String)]

    package init(status: Int, headers: [(name: String, value: String)] = []) {
        self.status = status
        self.headers = headers
    }

    /// Adds a header; a CR or LF in either part would split the response, so they are replaced.
    package mutating func add(_ name: String, _ value: String) {
        self.headers.append((ResponseHead.clean(name), ResponseHead.clean(value)))
    }

    /// The first value of a header, compared case-insensitively.
    package func value(of name: String) -> String? {
        let lowered = name.lowercased()
        return self.headers.first { $0.name.lowercased() == lowered }?.value
    }

    /// The CGI response header block (RFC 3875 §6.2): `Status:` first, then headers, then a blank line.
    package func cgiBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + self.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 })
        out += "Status: \(self.status) \(HTTPReason.phrase(for: self.status))\r\n".utf8
        for (name, value) in self.headers {
            out += name.utf8
            out += ": ".utf8
            out += value.utf8
            out += "\r\n".utf8
        }
        out += "\r\n".utf8
        return out
    }

    private static func clean(_ text: String) -> String {
        // Bytes, not Characters: "\r\n" is a single Character and would slip past a Character test.
        var contiguous = text
        guard contiguous.withUTF8({ $0.contains { $0 == 13 || $0 == 10 || $0 == 0 } }) else { return text }
        return String(decoding: text.utf8.map { $0 == 13 || $0 == 10 || $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }
}
