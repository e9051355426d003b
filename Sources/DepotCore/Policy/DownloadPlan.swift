/// How a stored file is answered: the headers the responder sends, and for nginx the internal URI.
///
/// nginx keeps only Content-Type, Content-Disposition, Cache-Control, Expires, Set-Cookie and
/// Accept-Ranges from an X-Accel answer; `X-Content-Type-Options` and the sandbox CSP therefore come
/// from the internal location itself, which is why active content goes to its own location.
package struct DownloadPlan: Sendable, Equatable {
    /// Internal nginx locations, both aliases of the storage root.
    package static let storedLocation = "/_stored"
    package static let sandboxedLocation = "/_stored_sandboxed"
    /// Like `/_stored`, adding `Vary: Accept` (thumbnails whose format followed `Accept`).
    package static let varyingLocation = "/_stored_vary"

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
    ///   - variesByAccept: the bytes were chosen by the request's `Accept` (served with `Vary: Accept`).
    /// - Returns: nil when the stored path is not safe to hand to nginx (empty or `.`/`..` segments).
    package init?(storedPath: String, contentType: String, originalName: String, forceDownload: Bool, variesByAccept: Bool = false) {
        let type = DownloadPlan.mediaType(contentType)
        self.isActiveContent = DownloadPlan.activeTypes.contains(type) || type.hasSuffix("+xml")
        let media = type.hasPrefix("image/") || type.hasPrefix("video/") || type.hasPrefix("audio/")
        let inline = media && !self.isActiveContent && !forceDownload
        let location =
            self.isActiveContent ? DownloadPlan.sandboxedLocation : variesByAccept ? DownloadPlan.varyingLocation : DownloadPlan.storedLocation
        var redirect: [UInt8] = []
        redirect.reserveCapacity(location.utf8.count + storedPath.utf8.count * 3)
        redirect += location.utf8
        redirect.append(UInt8(ascii: "/"))
        // One pass over the bytes judges and encodes the path, segment by segment. A segment is refused
        // when empty, `.` or `..` (only dots, at most two of them), or when it holds a NUL.
        let path = storedPath.utf8
        guard path.first == UInt8(ascii: "/") else { return nil }
        func isSafe(length: Int, dots: Int) -> Bool { length > 0 && (dots < length || length > 2) }
        var length = 0
        var dots = 0
        for byte in path.dropFirst() {
            switch byte {
            case UInt8(ascii: "/"):
                guard isSafe(length: length, dots: dots) else { return nil }
                length = 0
                dots = 0
                redirect.append(UInt8(ascii: "/"))
                continue
            case 0:
                return nil
            case UInt8(ascii: "."):
                dots += 1
            default:
                break
            }
            length += 1
            PercentEncoding.append(CollectionOfOne(byte), to: &redirect, keeping: PercentEncoding.isUnreserved)
        }
        guard isSafe(length: length, dots: dots) else { return nil }
        self.accelRedirect = String(decoding: redirect, as: UTF8.self)
        self.contentType = contentType
        self.contentDisposition = ContentDispositionHeader.make(inline: inline, filename: originalName)
    }

    /// The media type of a Content-Type value: before any `;`, trimmed, lower-cased.
    static func mediaType(_ contentType: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(contentType.utf8.count)
        for byte in contentType.utf8 {
            if byte == UInt8(ascii: ";") { break }
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { continue }
            bytes.append(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static let activeTypes: Set<String> = [
        "text/html", "application/xhtml+xml", "image/svg+xml", "application/xml", "text/xml", "text/javascript",
        "application/javascript", "application/ecmascript", "text/ecmascript",
    ]
}
