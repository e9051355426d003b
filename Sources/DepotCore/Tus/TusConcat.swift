import Foundation

/// `Upload-Concat`: `partial`, or `final;{url} {url} …` naming the parts in order. Each URL may be
/// a path (`/api/tus/{ns}/{id}`) or absolute (`https://host/api/tus/{ns}/{id}`), as clients send
/// what the `Location` of the part's creation was.
package enum TusConcat: Sendable, Equatable {
    case partial
    /// The parts' paths, in order.
    case final([String])

    /// - Throws: `invalid` for another value, a final without parts, or a part that is not a URL.
    package static func parse(_ header: String) throws(TusError) -> TusConcat {
        let text = header.trimmingCharacters(in: [" "])
        if text == "partial" { return .partial }
        guard text.hasPrefix("final;") else { throw TusError(.invalid, "Upload-Concat must be 'partial' or 'final;<urls>'") }
        let urls = text.dropFirst("final;".count).split(separator: " ", omittingEmptySubsequences: true)
        guard !urls.isEmpty, urls.count <= 1000 else { throw TusError(.invalid, "Upload-Concat: final names no parts, or too many") }
        var paths: [String] = []
        for url in urls {
            guard let path = Self.path(of: String(url)) else {
                throw TusError(.invalid, "Upload-Concat names '\(url.prefix(100))', which is not an upload URL")
            }
            paths.append(path)
        }
        return .final(paths)
    }

    /// The path of a part's URL: as is when it starts with `/`, else the part after
    /// `http(s)://host`; query and fragment are not allowed.
    static func path(of url: String) -> String? {
        var rest = Substring(url)
        for scheme in ["https://", "http://"] where rest.lowercased().hasPrefix(scheme) {
            rest = rest.dropFirst(scheme.count)
            guard let slash = rest.firstIndex(of: "/") else { return nil }
            rest = rest[slash...]
        }
        guard rest.hasPrefix("/"), !rest.contains("?"), !rest.contains("#") else { return nil }
        return String(rest)
    }
}
