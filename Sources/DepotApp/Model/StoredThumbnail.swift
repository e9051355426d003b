/// A thumbnail the store knows: the row that says it exists and where.
package struct StoredThumbnail: Sendable, Equatable {
    /// The original file's id.
    package var fileID: String
    /// The normalised parameters (`ThumbnailVariant.key`).
    package var variant: String
    /// Its stored path, under `/.thumbnails/`.
    package var path: String
    package var contentType: String
    package var size: Int64

    package init(fileID: String, variant: String, path: String, contentType: String, size: Int64) {
        self.fileID = fileID
        self.variant = variant
        self.path = path
        self.contentType = contentType
        self.size = size
    }
}
