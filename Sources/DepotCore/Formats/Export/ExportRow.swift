/// One materials row of a report, as the cursor reads it.
package struct ExportRow: Sendable {
    package var id: Int64
    package var mallID: Int64
    package var materialType: Int64
    package var originFilename: String
    package var format: String
    package var size: Int64
    package var width: Int64
    package var height: Int64
    package var basePath: String
    /// Server-local wall-clock time as seconds since 1970-01-01 00:00 (what spreadsheet serials
    /// show), and the stored ISO 8601 UTC text (what CSV shows).
    package var createdAt: Int64
    package var createdAtText: String

    package init(
        id: Int64, mallID: Int64, materialType: Int64, originFilename: String, format: String, size: Int64, width: Int64,
        height: Int64, basePath: String, createdAt: Int64, createdAtText: String
    ) {
        self.id = id
        self.mallID = mallID
        self.materialType = materialType
        self.originFilename = originFilename
        self.format = format
        self.size = size
        self.width = width
        self.height = height
        self.basePath = basePath
        self.createdAt = createdAt
        self.createdAtText = createdAtText
    }

    /// The report's columns, in order (API.md "Decisions": exports).
    package static let columns = ["id", "mall_id", "material_type", "origin_filename", "format", "size", "width", "height", "base_path", "created_at"]
    /// Relative column widths (characters) for spreadsheets.
    package static let widths = [10, 9, 13, 36, 8, 12, 8, 8, 52, 20]
}
