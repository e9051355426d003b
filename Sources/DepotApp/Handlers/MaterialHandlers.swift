import DepotCore
import DepotSystem
import Foundation

/// The materials library: batch upload of images, video and audio; list; read; delete.
enum MaterialHandlers {
    static let routes: [Route] = [
        Route(
            method: .post, path: "/api/malls/{mall_id}/materials", operationID: "uploadMaterials",
            summary: "Stores each image, video or audio part as a material; other parts are reported, not stored.",
            requestBody: ["multipart/form-data"],
            responses: [.init(200, "data = one entry per file part, in request order")], handler: upload),
        Route(
            method: .get, path: "/api/malls/{mall_id}/materials", operationID: "listMaterials", summary: "Lists materials, newest first.",
            query: [
                .init("limit", "integer", "1–500, default 50"), .init("offset", "integer", "default 0"),
                .init("type", "integer", "0 images, 2 video/audio"),
            ],
            responses: [.init(200, "data = {total, items}")], handler: list),
        Route(
            method: .get, path: "/api/materials/{id}", operationID: "getMaterial", summary: "One material.",
            responses: [.init(200, "data = material")], handler: get),
        Route(
            method: .delete, path: "/api/materials/{id}", operationID: "deleteMaterial", summary: "Removes the row and the stored file.",
            responses: [.init(200, "data = {id, deleted}")], handler: delete),
    ]

    static func positiveInteger(_ context: RequestContext, _ name: String) throws -> Int64 {
        guard let value = Int64(try context.parameter(name)), value > 0 else {
            throw APIError(.paramsInvalid, "\(name) must be a positive integer")
        }
        return value
    }

    static func upload(_ context: RequestContext) throws {
        let mallID = try positiveInteger(context, "mall_id")
        let (files, _) = try UploadReceiver.receive(context)
        let now = Date()
        let folder = "/mall/\(StorageNaming.dateFolder(now))"
        var entries: [JSONValue?] = []
        var records: [FileRecord] = []
        var materials: [(index: Int, record: MaterialRecord)] = []
        var placements: [FileStore.Placement] = []
        for file in files {
            let origin = StorageNaming.sanitizeFilename(file.originalName) ?? ""
            let refusal: String? =
                switch file.sniff.kind {
                case .other: "not an image, video or audio file"
                case .image where !file.sniff.fitsPixelLimit(context.app.config.maxImagePixels): "the image has more pixels than allowed"
                case .image where file.sniff.width == nil || file.sniff.height == nil: "the image header is incomplete"
                default: nil
                }
            if let refusal {
                entries.append(["origin_filename": .string(origin), "success": false, "reason": .string(refusal)])
                continue
            }
            let id = StorageNaming.timeOrderedUUID(at: now)
            let name = try UploadHandlers.storedName(original: file.originalName, sniff: file.sniff, keepOriginal: false, id: id)
            let path = "\(folder)/\(name)"
            records.append(UploadHandlers.record(id: id, namespace: "mall", path: path, field: file.field, file: file, metadata: "{}", now: now))
            placements.append(.init(source: .temp(file.temp), id: id, storedPath: path, overwrite: false))
            let isImage = file.sniff.kind == .image
            materials.append((entries.count, MaterialRecord(
                id: 0, mallID: mallID, materialType: isImage ? 0 : 2, fileID: id, basePath: path,
                width: file.sniff.width ?? 0, height: file.sniff.height ?? 0, size: file.temp.size, originFilename: origin,
                format: file.sniff.format ?? "", createdAt: StorageNaming.timestamp(now))))
            entries.append(nil)
        }
        // The temp files must outlive the placement: they delete themselves when released.
        try withExtendedLifetime(files) {
            try UploadHandlers.commit(context, records: records, placements: placements, overwrite: false) { database in
                for index in materials.indices { try materials[index].record.insert(into: database) }
            }
        }
        for (index, record) in materials { entries[index] = record.json }
        try context.response.sendEnvelope(data: .array(entries.map { $0! }))
    }

    static func list(_ context: RequestContext) throws {
        let mallID = try positiveInteger(context, "mall_id")
        let limit = try context.queryInteger("limit", default: 50, range: 1...500)
        let offset = try context.queryInteger("offset", default: 0, range: 0...Int64(Int32.max))
        // Absent or empty: every type.
        let type: Int64? = (context.head.queryValue("type") ?? "").isEmpty ? nil : try context.queryInteger("type", default: 0, range: 0...2)
        // Every value is bound (LIMIT and OFFSET too), so there are two statements in all, not one
        // per page asked for.
        let typeFilter = type == nil ? "" : " AND material_type = ?2"
        let values: [SQLiteValue] = [.integer(mallID)] + (type.map { [SQLiteValue.integer($0)] } ?? [])
        let page = " LIMIT ?\(values.count + 1) OFFSET ?\(values.count + 2)"
        let (total, items) = try context.app.database.withConnection { database in
            let total = try database.withStatement("SELECT COUNT(*) FROM materials WHERE mall_id = ?1\(typeFilter)") {
                _ = try $0.bind(values).step()
                return $0.int(0)
            }
            let items = try database.withStatement(
                "SELECT \(MaterialRecord.columns) FROM materials WHERE mall_id = ?1\(typeFilter) ORDER BY id DESC\(page)"
            ) { statement in
                try statement.bind(values + [.integer(limit), .integer(offset)])
                var rows: [JSONValue] = []
                while try statement.step() { rows.append(MaterialRecord.read(statement).json) }
                return rows
            }
            return (total, items)
        }
        try context.response.sendEnvelope(data: ["total": .int(total), "items": .array(items)])
    }

    static func find(_ context: RequestContext, _ database: SQLiteDatabase) throws -> MaterialRecord {
        let id = try positiveInteger(context, "id")
        let found = try database.withStatement("SELECT \(MaterialRecord.columns) FROM materials WHERE id = ?1") {
            try $0.bind([.integer(id)]).step() ? MaterialRecord.read($0) : nil
        }
        guard let found else { throw APIError(.notFound, "no material \(id)") }
        return found
    }

    static func get(_ context: RequestContext) throws {
        let record = try context.app.database.withConnection { try find(context, $0) }
        try context.response.sendEnvelope(data: record.json)
    }

    static func delete(_ context: RequestContext) throws {
        let record = try context.app.database.withConnection { try find(context, $0) }
        // Journalled, rows first, then bytes under the path's lock: a reader never finds a row whose
        // file is gone, and a crash after the commit cannot leave the file behind without its row.
        try context.app.store.remove(id: record.fileID, storedPath: record.basePath) {
            try context.app.database.write { database in
                try database.run("DELETE FROM materials WHERE id = ?1", [.integer(record.id)])
                // A concurrent delete got there first: nothing of ours to remove.
                guard database.changes > 0 else { throw APIError(.notFound, "no material \(record.id)") }
                try database.run("DELETE FROM files WHERE id = ?1 AND path = ?2", [.text(record.fileID), .text(record.basePath)])
            }
        }
        try context.response.sendEnvelope(data: ["id": .int(record.id), "deleted": true])
    }
}
