import DepotCore
import DepotSystem
import Foundation

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
