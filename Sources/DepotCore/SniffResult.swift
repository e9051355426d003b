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

    package static let unknownBinary = SniffResult(kind: .other, format: nil, contentType: "application/octet-stream", fileExtension: nil)
}
