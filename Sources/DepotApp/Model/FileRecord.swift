import DepotCore
import Foundation

/// A stored file's row.
package struct FileRecord: Sendable, Equatable {
    package var id: String
    package var namespace: String
    package var path: String
    package var field: String?
    package var originFilename: String
    package var size: Int64
    package var sha256: String
    package var contentType: String
    package var format: String?
    package var width: Int?
    package var height: Int?
    package var metadata: String
    package var createdAt: String

    package init(
        id: String, namespace: String, path: String, field: String?, originFilename: String, size: Int64, sha256: String,
        contentType: String, format: String?, width: Int?, height: Int?, metadata: String, createdAt: String
    ) {
        (self.id, self.namespace, self.path, self.field, self.originFilename) = (id, namespace, path, field, originFilename)
        (self.size, self.sha256, self.contentType, self.format) = (size, sha256, contentType, format)
        (self.width, self.height, self.metadata, self.createdAt) = (width, height, metadata, createdAt)
    }

    /// The contract's FILE object.
    package var json: JSONValue {
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
    package static func make(
        id: String, namespace: String, path: String, field: String? = nil, originalName: String, fallbackName: String = "",
        size: Int64, sha256: String, sniff: SniffResult, metadata: String = "{}", now: Date = Date()
    ) -> FileRecord {
        let isImage = sniff.kind == .image
        return FileRecord(
            id: id, namespace: namespace, path: path, field: field,
            originFilename: StorageNaming.sanitizeFilename(originalName) ?? fallbackName, size: size, sha256: sha256,
            contentType: sniff.contentType, format: sniff.format, width: isImage ? sniff.width : nil, height: isImage ? sniff.height : nil,
            metadata: metadata, createdAt: CivilTime.utc(now).iso8601)
    }
}
