/// How a stored file is answered: the headers the responder sends, and for nginx the internal URI.
///
/// nginx keeps only Content-Type, Content-Disposition, Cache-Control, Expires, Set-Cookie and
/// Accept-Ranges from an X-Accel answer; `X-Content-Type-Options` and the sandbox CSP therefore come
/// from the internal location itself, which is why active content goes to its own location.
package struct DownloadPlan: Sendable, Equatable {
    /// Internal nginx locations, both aliases of the storage root.
    package static let storedLocation = "/_stored"
    package static let sandboxedLocation = "/_stored_sandboxed"

    package var contentType: String
    package var contentDisposition: String
    package var isActiveContent: Bool
    /// The `X-Accel-Redirect` value: the stored path, percent-encoded per segment.
    package var accelRedirect: String

    /// - Parameters:
    ///   - storedPath: the file's stored path (`/ns/date/name`).
    ///   - contentType: the recorded (sniffed) content type.
    ///   - originalName: the original file name, for Content-Disposition.
    ///   - forceDownload: `?download=1`.
    /// - Returns: nil when the stored path is not safe to hand to nginx (empty or `.`/`..` segments).
    package init?(storedPath: String, contentType: String, originalName: String, forceDownload: Bool) {
        // Byte-level checks throughout: Foundation's StringProtocol.contains goes through NSString.
        let segments = storedPath.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst()
        guard storedPath.utf8.first == UInt8(ascii: "/"), !segments.isEmpty,
            !segments.contains(where: { segment in
                segment.isEmpty || segment.elementsEqual([UInt8(ascii: ".")]) || segment.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")])
                    || segment.contains(0)
            })
        else { return nil }
        let typeEnd = contentType.utf8.firstIndex(of: UInt8(ascii: ";")) ?? contentType.utf8.endIndex
        let type = String(Substring(contentType.utf8[..<typeEnd]).trimmingWhitespace()).lowercased()
        self.isActiveContent = DownloadPlan.activeTypes.contains(type) || type.utf8.reversed().starts(with: "lmx+".utf8)
        let media = type.hasPrefix("image/") || type.hasPrefix("video/") || type.hasPrefix("audio/")
        let inline = media && !self.isActiveContent && !forceDownload
        self.contentType = contentType
        self.contentDisposition = ContentDispositionHeader.make(inline: inline, filename: originalName)
        let location = self.isActiveContent ? DownloadPlan.sandboxedLocation : DownloadPlan.storedLocation
        self.accelRedirect = location + "/" + segments.map { PercentEncoding.encode(String(decoding: $0, as: UTF8.self)) }.joined(separator: "/")
    }

    static let activeTypes: Set<String> = [
        "text/html", "application/xhtml+xml", "image/svg+xml", "application/xml", "text/xml", "text/javascript",
        "application/javascript", "application/ecmascript", "text/ecmascript",
    ]
}

/// `Content-Disposition` with both an ASCII `filename` fallback and RFC 5987 `filename*`.
package enum ContentDispositionHeader {
    /// - Parameters:
    ///   - inline: `inline` rather than `attachment`.
    ///   - filename: the name to suggest; may be any Unicode.
    package static func make(inline: Bool, filename: String) -> String {
        let disposition = inline ? "inline" : "attachment"
        let name = filename.isEmpty ? "download" : filename
        return "\(disposition); filename=\"\(asciiFallback(name))\"; filename*=UTF-8''\(extendedValue(name))"
    }

    /// Printable ASCII with `"` and `\` escaped; anything else becomes `_`.
    package static func asciiFallback(_ name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars {
            switch scalar.value {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x20...0x7E: out.unicodeScalars.append(scalar)
            default: out += "_"
            }
        }
        return out
    }

    /// RFC 5987 `value-chars`: attr-char kept, every other UTF-8 byte percent-encoded.
    package static func extendedValue(_ name: String) -> String {
        // attr-char = ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
        PercentEncoding.encode(name, keeping: Set("!#$&+-.^_`|~".utf8))
    }
}
