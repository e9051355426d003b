/// A single `Range: bytes=` request (RFC 9110 §14.2), resolved against a file size.
package enum ByteRange: Sendable, Equatable {
    /// No usable Range header: send the whole file (a malformed or multi-range header is ignored,
    /// as RFC 9110 allows).
    case whole
    /// Send `start...end` (inclusive) with 206.
    case partial(start: Int64, end: Int64)
    /// 416 with `Content-Range: bytes */size`.
    case unsatisfiable

    /// - Parameters:
    ///   - header: the Range header value, or nil.
    ///   - size: the file size.
    package static func resolve(_ header: String?, size: Int64) -> ByteRange {
        guard let header, header.hasPrefix("bytes=") else { return .whole }
        let spec = header.dropFirst(6).trimmingWhitespace()
        guard !spec.utf8.contains(UInt8(ascii: ",")), let dash = spec.firstIndex(of: "-") else { return .whole }
        let first = spec[..<dash].trimmingWhitespace()
        let last = spec[spec.index(after: dash)...].trimmingWhitespace()
        if first.isEmpty {
            // Suffix range: the last N bytes.
            guard let count = Int64(last), count >= 0 else { return .whole }
            if count == 0 || size == 0 { return .unsatisfiable }
            return .partial(start: max(0, size - count), end: size - 1)
        }
        guard let start = Int64(first), start >= 0 else { return .whole }
        var end = size - 1
        if !last.isEmpty {
            guard let value = Int64(last), value >= start else { return .whole }
            end = min(value, size - 1)
        }
        return start < size ? .partial(start: start, end: end) : .unsatisfiable
    }
}
