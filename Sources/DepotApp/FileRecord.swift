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

/// What a download reads of a file's row: fewer columns than `FileRecord`, so fewer strings
/// are made per download.
struct ServedFile: Sendable {
    var namespace: String
    var path: String
    var contentType: String
    var originFilename: String
    var sha256: String

    private static let columns = "namespace, path, content_type, origin_filename, sha256"
    private static let selectByPath = "SELECT \(columns) FROM files WHERE path = ?1"
    private static let selectByID = "SELECT \(columns) FROM files WHERE id = ?1"

    private static func read(_ statement: SQLiteStatement) -> ServedFile {
        ServedFile(
            namespace: statement.text(0) ?? "", path: statement.text(1) ?? "", contentType: statement.text(2) ?? "",
            originFilename: statement.text(3) ?? "", sha256: statement.text(4) ?? "")
    }

    static func find(path: String, in database: SQLiteDatabase) throws -> ServedFile? { try find(selectByPath, path, database) }

    static func find(id: String, in database: SQLiteDatabase) throws -> ServedFile? { try find(selectByID, id, database) }

    private static func find(_ select: String, _ key: String, _ database: SQLiteDatabase) throws -> ServedFile? {
        try database.withStatement(select) { try $0.bind([.text(key)]).step() ? read($0) : nil }
    }
}

/// A materials-library row.
struct MaterialRecord: Sendable {
    var id: Int64
    var mallID: Int64
    var materialType: Int
    var fileID: String
    var basePath: String
    var width: Int
    var height: Int
    var size: Int64
    var originFilename: String
    var format: String
    var createdAt: String

    var json: JSONValue {
        [
            "id": .int(self.id), "mall_id": .int(self.mallID), "material_type": .int(Int64(self.materialType)),
            "base_path": .string(self.basePath), "width": .int(Int64(self.width)), "height": .int(Int64(self.height)),
            "size": .int(self.size), "origin_filename": .string(self.originFilename), "format": .string(self.format),
            "url": .string("/api/files/\(self.fileID)"), "created_at": .string(self.createdAt), "success": true,
        ]
    }

    static let columns = "id, mall_id, material_type, file_id, base_path, width, height, size, origin_filename, format, created_at"

    static func read(_ s: SQLiteStatement) -> MaterialRecord {
        MaterialRecord(
            id: s.int(0), mallID: s.int(1), materialType: Int(s.int(2)), fileID: s.text(3) ?? "", basePath: s.text(4) ?? "",
            width: Int(s.int(5)), height: Int(s.int(6)), size: s.int(7), originFilename: s.text(8) ?? "", format: s.text(9) ?? "",
            createdAt: s.text(10) ?? "")
    }

    /// Inserts the row and sets `id`.
    mutating func insert(into database: SQLiteDatabase) throws {
        try database.run(
            "INSERT INTO materials (mall_id, material_type, file_id, base_path, width, height, size, origin_filename, format, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            [
                .integer(self.mallID), .integer(Int64(self.materialType)), .text(self.fileID), .text(self.basePath),
                .integer(Int64(self.width)), .integer(Int64(self.height)), .integer(self.size), .text(self.originFilename),
                .text(self.format), .text(self.createdAt),
            ])
        self.id = database.lastInsertRowID
    }
}
