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

    func deleteMaterial(id: Int64) throws -> Bool {
        try self.connection.query(PostgresStatements.deleteMaterial, [String(id)]).affectedRows > 0
    }
}
