import DepotCore
import DepotSystem

/// The writes of one unit of work, on the writer connection inside its transaction.
struct SQLiteTransaction: PersistenceTransaction {
    let database: SQLiteDatabase

    func insert(_ file: FileRecord) throws {
        try self.database.run(
            SQLiteStatements.insertFile,
            [
                .text(file.id), .text(file.namespace), .text(file.path), file.field.map(SQLiteValue.text) ?? .null,
                .text(file.originFilename), .integer(file.size), .text(file.sha256), .text(file.contentType),
                file.format.map(SQLiteValue.text) ?? .null, file.width.map { .integer(Int64($0)) } ?? .null,
                file.height.map { .integer(Int64($0)) } ?? .null, .text(file.metadata), .text(file.createdAt),
            ])
    }

    func deleteFile(path: String) throws {
        try self.database.run(SQLiteStatements.deleteFileByPath, [.text(path)])
    }

    func deleteFile(id: String, path: String) throws {
        try self.database.run(SQLiteStatements.deleteFileByIDAndPath, [.text(id), .text(path)])
    }

    func insert(_ material: MaterialRecord) throws -> Int64 {
        try self.database.run(
            SQLiteStatements.insertMaterial,
            [
                .integer(material.mallID), .integer(Int64(material.materialType)), .text(material.fileID), .text(material.basePath),
                .integer(Int64(material.width)), .integer(Int64(material.height)), .integer(material.size), .text(material.originFilename),
                .text(material.format), .text(material.createdAt),
            ])
        return self.database.lastInsertRowID
    }

    func deleteMaterial(id: Int64) throws -> Bool {
        try self.database.run(SQLiteStatements.deleteMaterial, [.integer(id)])
        return self.database.changes > 0
    }
}
