/// A route path such as `/api/files/{id}` or `/api/uploads/{namespace...}/{filename}`.
///
/// `{name}` matches one segment; `{name...}` matches one or more segments (at most one per pattern),
/// and literal segments may follow it.
///
/// An empty segment (a trailing slash, `//`) never matches a literal. It matches a parameter only in
/// a pattern with a `{name...}` segment: there the handler judges it, so `POST /api/uploads/cms/`
/// is the contract's 400 for a bad namespace rather than "no route". Elsewhere it is 404.
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

    /// The segments after the leading `/`, split on bytes, empty ones kept; nil when the path does
    /// not start with `/`.
    package static func segments(ofRawPath rawPath: Substring) -> [Substring]? {
        let utf8 = rawPath.utf8
        guard utf8.first == UInt8(ascii: "/") else { return nil }
        var segments: [Substring] = []
        var start = utf8.index(after: utf8.startIndex)
        var cursor = start
        while cursor < utf8.endIndex {
            if utf8[cursor] == UInt8(ascii: "/") {
                segments.append(rawPath[start..<cursor])
                start = utf8.index(after: cursor)
            }
            cursor = utf8.index(after: cursor)
        }
        segments.append(rawPath[start..<utf8.endIndex])
        return segments
    }

    /// True when the raw path segments fit this pattern: the count, and every literal segment.
    package func matches(_ path: [Substring]) -> Bool {
        guard self.restIndex == nil ? path.count == self.segments.count : path.count >= self.segments.count else { return false }
        for index in self.segments.indices {
            let segment = path[self.pathIndex(of: index, in: path)]
            switch self.segments[index] {
            case .literal(let text): if !segment.utf8.elementsEqual(text.utf8) { return false }
            case .parameter: if segment.isEmpty && self.restIndex == nil { return false }
            case .rest: continue
            }
        }
        return true
    }

    /// Matches raw (still percent-encoded) path segments.
    /// - Returns: the raw parameter values by name, or nil when the path does not match.
    package func match(_ path: [Substring]) -> [String: Substring]? {
        guard self.matches(path) else { return nil }
        var values: [String: Substring] = [:]
        for index in self.segments.indices {
            switch self.segments[index] {
            case .literal: continue
            case .parameter(let name): values[name] = path[self.pathIndex(of: index, in: path)]
            case .rest(let name):
                // The rest keeps its raw text, slashes included, so callers can validate it as sent.
                let first = path[index]
                let last = path[path.count - (self.segments.count - index)]
                values[name] = first.base[first.startIndex..<last.endIndex]
            }
        }
        return values
    }

    /// Where segment `index` of the pattern lies in `path`: as is before the rest segment, counted
    /// from the end after it.
    private func pathIndex(of index: Int, in path: [Substring]) -> Int {
        guard let restIndex = self.restIndex, index > restIndex else { return index }
        return path.count - (self.segments.count - index)
    }
}
