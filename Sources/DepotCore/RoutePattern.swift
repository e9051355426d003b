/// A route path such as `/api/files/{id}` or `/api/uploads/{namespace...}/{filename}`.
///
/// `{name}` matches one segment; `{name...}` matches one or more segments (at most one per pattern),
/// and literal segments may follow it.
package struct RoutePattern: Sendable, Hashable, CustomStringConvertible {
    package enum Segment: Sendable, Hashable {
        case literal(String)
        case parameter(String)
        case rest(String)
    }

    package let segments: [Segment]
    package let text: String
    /// Where the `{name...}` segment is, if the pattern has one.
    private let restIndex: Int?

    /// - Parameter text: the pattern, starting with `/`.
    package init(_ text: String) {
        self.text = text
        self.segments = text.split(separator: "/", omittingEmptySubsequences: true).map { part in
            if part.hasPrefix("{") && part.hasSuffix("...}") {
                return .rest(String(part.dropFirst().dropLast(4)))
            } else if part.hasPrefix("{") && part.hasSuffix("}") {
                return .parameter(String(part.dropFirst().dropLast()))
            }
            return .literal(String(part))
        }
        precondition(self.segments.filter { if case .rest = $0 { true } else { false } }.count <= 1)
        self.restIndex = self.segments.firstIndex { if case .rest = $0 { true } else { false } }
    }

    package var description: String { self.text }

    /// The pattern in OpenAPI's notation (`{namespace...}` becomes `{namespace}`).
    package var openAPIPath: String {
        "/" + self.segments.map { segment -> String in
            switch segment {
            case .literal(let text): text
            case .parameter(let name), .rest(let name): "{\(name)}"
            }
        }.joined(separator: "/")
    }

    /// The names of the path parameters, in order.
    package var parameterNames: [String] {
        self.segments.compactMap { segment in
            switch segment {
            case .literal: nil
            case .parameter(let name), .rest(let name): name
            }
        }
    }

    /// The segments after the leading `/`, split on bytes; nil when the path does not start with `/` or
    /// has an empty segment (a trailing slash or `//` never matches a pattern segment).
    package static func segments(ofRawPath rawPath: Substring) -> [Substring]? {
        let utf8 = rawPath.utf8
        guard utf8.first == UInt8(ascii: "/") else { return nil }
        var segments: [Substring] = []
        var start = utf8.index(after: utf8.startIndex)
        var cursor = start
        while cursor < utf8.endIndex {
            if utf8[cursor] == UInt8(ascii: "/") {
                guard cursor > start else { return nil }
                segments.append(rawPath[start..<cursor])
                start = utf8.index(after: cursor)
            }
            cursor = utf8.index(after: cursor)
        }
        guard start < utf8.endIndex else { return nil }
        segments.append(rawPath[start..<utf8.endIndex])
        return segments
    }

    /// True when the raw path segments fit this pattern (the cheap test `match` repeats while binding).
    package func matches(_ path: [Substring]) -> Bool {
        guard let restIndex = self.restIndex else {
            guard path.count == self.segments.count else { return false }
            for index in self.segments.indices {
                if case .literal(let text) = self.segments[index], !path[index].utf8.elementsEqual(text.utf8) { return false }
            }
            return true
        }
        guard path.count >= self.segments.count else { return false }
        for index in 0..<restIndex {
            if case .literal(let text) = self.segments[index], !path[index].utf8.elementsEqual(text.utf8) { return false }
        }
        let suffixCount = self.segments.count - restIndex - 1
        for offset in 0..<suffixCount {
            if case .literal(let text) = self.segments[self.segments.count - 1 - offset],
                !path[path.count - 1 - offset].utf8.elementsEqual(text.utf8)
            {
                return false
            }
        }
        return true
    }

    /// Matches raw (still percent-encoded) path segments.
    /// - Returns: the raw parameter values by name, or nil when the path does not match.
    package func match(_ path: [Substring]) -> [String: Substring]? {
        var values: [String: Substring] = [:]
        guard let restIndex = self.restIndex else {
            guard path.count == self.segments.count else { return nil }
            for (segment, part) in zip(self.segments, path) {
                guard RoutePattern.bind(segment, part, into: &values) else { return nil }
            }
            return values
        }
        let suffixCount = self.segments.count - restIndex - 1
        guard path.count >= self.segments.count else { return nil }
        for index in 0..<restIndex {
            guard RoutePattern.bind(self.segments[index], path[index], into: &values) else { return nil }
        }
        for offset in 0..<suffixCount {
            let segment = self.segments[self.segments.count - 1 - offset]
            guard RoutePattern.bind(segment, path[path.count - 1 - offset], into: &values) else { return nil }
        }
        guard case .rest(let name) = self.segments[restIndex] else { return nil }
        let middle = path[restIndex..<(path.count - suffixCount)]
        // The rest keeps its raw text, slashes included, so callers can validate it as sent.
        let start = middle.first!.startIndex
        let end = middle.last!.endIndex
        values[name] = middle.first!.base[start..<end]
        return values
    }

    private static func bind(_ segment: Segment, _ part: Substring, into values: inout [String: Substring]) -> Bool {
        switch segment {
        case .literal(let text): return part == text
        case .parameter(let name), .rest(let name):
            values[name] = part
            return true
        }
    }
}
