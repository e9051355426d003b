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

    /// Matches raw (still percent-encoded) path segments.
    /// - Returns: the raw parameter values by name, or nil when the path does not match.
    package func match(_ path: [Substring]) -> [String: Substring]? {
        var values: [String: Substring] = [:]
        guard let restIndex = self.segments.firstIndex(where: { if case .rest = $0 { true } else { false } }) else {
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
