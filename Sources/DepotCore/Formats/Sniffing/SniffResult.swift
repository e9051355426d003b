/// What the first bytes of a file say it is.
package struct SniffResult: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        case image
        case media  // video or audio
        case other
    }

    package var kind: Kind
    /// Pillow-style lower-case format name (`jpeg`, `png`, `heif`, `mp4`, ...), nil when unknown.
    package var format: String?
    package var contentType: String
    /// The extension stored files get.
    package var fileExtension: String?
    package var width: Int?
    package var height: Int?

    package init(kind: Kind, format: String?, contentType: String, fileExtension: String?, width: Int? = nil, height: Int? = nil) {
        self.kind = kind
        self.format = format
        self.contentType = contentType
        self.fileExtension = fileExtension
        self.width = width
        self.height = height
    }

    /// The decompression-bomb guard: true unless this is an image with more than `limit` pixels.
    /// An image always has a size (the sniffer demotes one whose size it cannot read), and the
    /// product is checked for overflow: sizes come straight from untrusted headers.
    package func fitsPixelLimit(_ limit: Int64) -> Bool {
        guard self.kind == .image else { return true }
        guard let width = self.width, let height = self.height, width >= 0, height >= 0 else { return false }
        let (pixels, overflow) = Int64(width).multipliedReportingOverflow(by: Int64(height))
        return !overflow && pixels <= limit
    }

    package static let unknownBinary = SniffResult(kind: .other, format: nil, contentType: "application/octet-stream", fileExtension: nil)
}
