import DepotCore
import DepotSystem
import Foundation

/// A stored file's row.
struct FileRecord: Sendable {
    var id: String
    var namespace: String
    var path: String
    var field: String?
    var originFilename: String
    var size: Int64
    var sha256: String
    var contentType: String
    var format: String?
    var width: Int?
    var height: Int?
    var metadata: String
    var createdAt: String

    /// The contract's FILE object.
    var json: JSONValue {
        [
            "id": .string(self.id), "field": self.field.map(JSONValue.string) ?? .null,
            "origin_filename": .string(self.originFilename), "path": .string(self.path),
            "url": .string("/api/files/\(self.id)"), "size": .int(self.size), "sha256": .string(self.sha256),
            "content_type": .string(self.contentType), "width": self.width.map { .int(Int64($0)) } ?? .null,
            "height": self.height.map { .int(Int64($0)) } ?? .null, "format": self.format.map(JSONValue.string) ?? .null,
            "created_at": .string(self.createdAt),
        ]
    }

    /// The row of a stored file from what its bytes said: the sniffed type and format, width and
    /// height for images only, the sanitised original name.
    static func make(
        id: String, namespace: String, path: String, field: String? = nil, originalName: String, fallbackName: String = "",
        size: Int64, sha256: String, sniff: SniffResult, metadata: String = "{}", now: Date = Date()
    ) -> FileRecord {
        let isImage = sniff.kind == .image
        return FileRecord(
            id: id, namespace: namespace, path: path, field: field,
            originFilename: StorageNaming.sanitizeFilename(originalName) ?? fallbackName, size: size, sha256: sha256,
            contentType: sniff.contentType, format: sniff.format, width: isImage ? sniff.width : nil, height: isImage ? sniff.height : nil,
            metadata: metadata, createdAt: StorageNaming.timestamp(now))
    }

    static let columns = "id, namespace, path, field, origin_filename, size, sha256, content_type, format, width, height, metadata, created_at"

    func insert(into database: SQLiteDatabase) throws {
        try database.run(
            "INSERT INTO files (\(FileRecord.columns)) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            [
                .text(self.id), .text(self.namespace), .text(self.path), self.field.map(SQLiteValue.text) ?? .null,
                .text(self.originFilename), .integer(self.size), .text(self.sha256), .text(self.contentType),
                self.format.map(SQLiteValue.text) ?? .null, self.width.map { .integer(Int64($0)) } ?? .null,
                self.height.map { .integer(Int64($0)) } ?? .null, .text(self.metadata), .text(self.createdAt),
            ])
    }
}
