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

    func insert(_ thumbnail: StoredThumbnail, createdAt: String) throws -> Bool {
        try self.database.run(
            SQLiteStatements.insertThumbnail,
            [.text(thumbnail.fileID), .text(thumbnail.variant), .text(thumbnail.path), .text(thumbnail.contentType), .integer(thumbnail.size), .text(createdAt)])
        return self.database.changes > 0
    }

    func deleteThumbnail(path: String) throws {
        try self.database.run(SQLiteStatements.deleteThumbnail, [.text(path)])
    }

    func forgetThumbnailGarbage(_ paths: [String]) throws {
        for path in paths { try self.database.run(SQLiteStatements.forgetThumbnailGarbage, [.text(path)]) }
    }

    func recountMaterials() throws {
        for sql in SQLiteStatements.recountMaterials { try self.database.run(sql) }
    }

    func deleteMaterial(id: Int64) throws -> Bool {
        try self.database.run(SQLiteStatements.deleteMaterial, [.integer(id)])
        return self.database.changes > 0
    }

    func insert(_ upload: ResumableUpload) throws {
        try self.database.run(
            SQLiteStatements.insertUpload,
            [
                .text(upload.id), .text(upload.namespace), upload.length.map(SQLiteValue.integer) ?? .null, .integer(upload.offset),
                .integer(upload.deferred ? 1 : 0), .text(upload.kind.rawValue), .text(upload.parts.joined(separator: " ")),
                .text(upload.metadata), .integer(upload.keepOriginal ? 1 : 0), .integer(upload.overwrite ? 1 : 0),
                .text(Hex.lowercase(upload.hashState)), .text(upload.hashTag), .integer(upload.expiresAt),
                upload.leaseOwner.map(SQLiteValue.text) ?? .null, .integer(upload.leaseUntil), upload.outcome.map(SQLiteValue.text) ?? .null,
                .text(upload.createdAt),
            ])
    }

    func claim(upload id: String, owner: String, until: Int64, now: Int64) throws -> Bool {
        try self.database.run(SQLiteStatements.claimUpload, [.text(id), .text(owner), .integer(until), .integer(now)])
        return self.database.changes > 0
    }

    func save(_ upload: ResumableUpload, heldBy: String?) throws -> Bool {
        try self.database.run(
            SQLiteStatements.saveUpload,
            [
                .text(upload.id), .integer(upload.offset), upload.length.map(SQLiteValue.integer) ?? .null, .text(Hex.lowercase(upload.hashState)),
                .text(upload.hashTag), .integer(upload.expiresAt), upload.leaseOwner.map(SQLiteValue.text) ?? .null, .integer(upload.leaseUntil),
                heldBy.map(SQLiteValue.text) ?? .null, upload.outcome.map(SQLiteValue.text) ?? .null,
            ])
        return self.database.changes > 0
    }

    func release(upload id: String, owner: String) throws {
        try self.database.run(SQLiteStatements.releaseUpload, [.text(id), .text(owner)])
    }

    func deleteUpload(id: String) throws -> Bool {
        try self.database.run(SQLiteStatements.deleteUpload, [.text(id)])
        return self.database.changes > 0
    }
}
