import DepotCore
import DepotSystem

/// The writes of one unit of work, inside its transaction.
struct PostgresTransaction: PersistenceTransaction {
    let connection: PostgresConnection
    /// The ids of file rows this unit of work deleted (this node's cache forgets them after commit).
    let deleted = DeletedIDs()

    final class DeletedIDs {
        var ids: [String] = []
    }

    func insert(_ file: FileRecord) throws {
        try self.connection.query(
            PostgresStatements.insertFile,
            [
                file.id, file.namespace, file.path, file.field, file.originFilename, String(file.size), file.sha256, file.contentType,
                file.format, file.width.map(String.init), file.height.map(String.init), file.metadata, file.createdAt,
            ])
    }

    func deleteFile(path: String) throws {
        self.forget(try self.connection.query(PostgresStatements.deleteFileByPath, [path]))
    }

    func deleteFile(id: String, path: String) throws {
        self.forget(try self.connection.query(PostgresStatements.deleteFileByIDAndPath, [id, path]))
    }

    func insert(_ upload: ResumableUpload) throws {
        try self.connection.query(
            PostgresStatements.insertUpload,
            [
                upload.id, upload.namespace, upload.length.map { String($0) }, String(upload.offset), String(upload.deferred),
                upload.kind.rawValue, upload.parts.joined(separator: " "), upload.metadata, String(upload.keepOriginal),
                String(upload.overwrite), Hex.lowercase(upload.hashState), upload.hashTag, String(upload.expiresAt), upload.leaseOwner,
                String(upload.leaseUntil), upload.outcome, upload.createdAt,
            ])
    }

    func claim(upload id: String, owner: String, until: Int64, now: Int64) throws -> Bool {
        try self.connection.query(PostgresStatements.claimUpload, [id, owner, String(until), String(now)]).affectedRows > 0
    }

    func save(_ upload: ResumableUpload, heldBy: String?) throws -> Bool {
        try self.connection.query(
            PostgresStatements.saveUpload,
            [
                upload.id, String(upload.offset), upload.length.map { String($0) }, Hex.lowercase(upload.hashState), upload.hashTag,
                String(upload.expiresAt), upload.leaseOwner, String(upload.leaseUntil), heldBy, upload.outcome,
            ]
        ).affectedRows > 0
    }

    func release(upload id: String, owner: String) throws {
        try self.connection.query(PostgresStatements.releaseUpload, [id, owner])
    }

    func deleteUpload(id: String) throws -> Bool {
        try self.connection.query(PostgresStatements.deleteUpload, [id]).affectedRows > 0
    }

    private func forget(_ result: PostgresResult) {
        for row in 0..<result.rowCount { self.deleted.ids.append(result.text(row, 0) ?? "") }
    }

    func insert(_ material: MaterialRecord) throws -> Int64 {
        let result = try self.connection.query(
            PostgresStatements.insertMaterial,
            [
                String(material.mallID), String(material.materialType), material.fileID, material.basePath, String(material.width),
                String(material.height), String(material.size), material.originFilename, material.format, material.createdAt,
            ])
        return result.int(0, 0)
    }

    func insert(_ thumbnail: StoredThumbnail, createdAt: String) throws -> Bool {
        try self.connection.query(
            PostgresStatements.insertThumbnail,
            [thumbnail.fileID, thumbnail.variant, thumbnail.path, thumbnail.contentType, String(thumbnail.size), createdAt]
        ).affectedRows > 0
    }

    func deleteThumbnail(path: String) throws {
        try self.connection.query(PostgresStatements.deleteThumbnail, [path])
    }

    func forgetThumbnailGarbage(_ paths: [String]) throws {
        for path in paths { try self.connection.query(PostgresStatements.forgetThumbnailGarbage, [path]) }
    }

    func recountMaterials() throws {
        for sql in PostgresStatements.recountMaterials { _ = try self.connection.query(sql) }
    }

    func deleteMaterial(id: Int64) throws -> Bool {
        try self.connection.query(PostgresStatements.deleteMaterial, [String(id)]).affectedRows > 0
    }
}
