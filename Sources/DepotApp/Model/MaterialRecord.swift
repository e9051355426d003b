import DepotCore
import Foundation

/// A materials-library row.
package struct MaterialRecord: Sendable, Equatable {
    package var id: Int64
    package var mallID: Int64
    package var materialType: Int
    package var fileID: String
    package var basePath: String
    package var width: Int
    package var height: Int
    package var size: Int64
    package var originFilename: String
    package var format: String
    package var createdAt: String

    package var json: JSONValue {
        [
            "id": .int(self.id), "mall_id": .int(self.mallID), "material_type": .int(Int64(self.materialType)),
            "base_path": .string(self.basePath), "width": .int(Int64(self.width)), "height": .int(Int64(self.height)),
            "size": .int(self.size), "origin_filename": .string(self.originFilename), "format": .string(self.format),
            "url": .string("/api/files/\(self.fileID)"), "created_at": .string(self.createdAt), "success": true,
        ]
    }
}
