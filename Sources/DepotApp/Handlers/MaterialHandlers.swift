import DepotCore
import DepotSystem
import Foundation
import Synchronization

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
                .init("limit", "integer", "1–500, default 50"), .init("offset", "integer", "default 0; not with cursor"),
                .init("type", "integer", "0 images, 2 video/audio"),
                .init("cursor", "string", "the next_cursor of the previous page (keyset pagination: as fast on the last page as on the first)"),
            ],
            responses: [.init(200, "data = {total, items, next_cursor}; next_cursor is null on the last page")], handler: list),
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
        let ingest = context.services.ingest
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
                case .image where !ingest.fitsPixelLimit(file.sniff): "the image has more pixels than allowed"
                case .image where file.sniff.width == nil || file.sniff.height == nil: "the image header is incomplete"
                default: nil
                }
            if let refusal {
                entries.append(["origin_filename": .string(origin), "success": false, "reason": .string(refusal)])
                continue
            }
            let id = StorageNaming.timeOrderedUUID(at: now)
            let name = try ingest.storedName(original: file.originalName, sniff: file.sniff, keepOriginal: false, id: id)
            let path = "\(folder)/\(name)"
            records.append(file.record(id: id, namespace: "mall", path: path, metadata: "{}", now: now))
            placements.append(.init(source: .temp(file.temp), id: id, storedPath: path, overwrite: false))
            let isImage = file.sniff.kind == .image
            materials.append((entries.count, MaterialRecord(
                id: 0, mallID: mallID, materialType: isImage ? 0 : 2, fileID: id, basePath: path,
                width: file.sniff.width ?? 0, height: file.sniff.height ?? 0, size: file.temp.size, originFilename: origin,
                format: file.sniff.format ?? "", createdAt: CivilTime.utc(now).iso8601)))
            entries.append(nil)
        }
        // The rows' ids come from the insert, inside the unit of work.
        let inserted = Mutex<[Int64]>([])
        // The temp files must outlive the placement: they delete themselves when released.
        try withExtendedLifetime(files) {
            try ingest.commit(records, placements: placements, overwrite: false) { transaction in
                let ids = try materials.map { try transaction.insert($0.record) }
                inserted.withLock { $0 = ids }
            }
        }
        let ids = inserted.withLock { $0 }
        for (position, material) in materials.enumerated() {
            var record = material.record
            record.id = ids[position]
            entries[material.index] = record.json
        }
        try context.response.sendEnvelope(data: .array(entries.map { $0! }))
    }

    static func list(_ context: RequestContext) throws {
        let mallID = try positiveInteger(context, "mall_id")
        let limit = try context.queryInteger("limit", default: 50, range: 1...500)
        let offset = try context.queryInteger("offset", default: 0, range: 0...Int64(Int32.max))
        // Absent or empty: every type.
        let type: Int64? = (context.head.queryValue("type") ?? "").isEmpty ? nil : try context.queryInteger("type", default: 0, range: 0...2)
        var before: Int64?
        if let text = context.head.queryValue("cursor"), !text.isEmpty {
            guard let cursor = ListCursor.decode(text) else { throw APIError(.paramsInvalid, "cursor is not one this list gave out") }
            guard cursor.mallID == mallID, cursor.type == type else {
                throw APIError(.paramsInvalid, "cursor belongs to another list (mall or type differs)")
            }
            guard offset == 0 else { throw APIError(.paramsInvalid, "use offset or cursor, not both") }
            before = cursor.lastID
        }
        let page = try context.services.persistence.materials(
            MaterialQuery(mallID: mallID, type: type, limit: limit, offset: offset, before: before))
        let next: JSONValue =
            if page.hasMore, let last = page.items.last { .string(ListCursor(mallID: mallID, type: type, lastID: last.id).encoded) } else { .null }
        try context.response.sendEnvelope(data: ["total": .int(page.total), "items": .array(page.items.map(\.json)), "next_cursor": next])
    }

    static func find(_ context: RequestContext) throws -> MaterialRecord {
        let id = try positiveInteger(context, "id")
        guard let found = try context.services.persistence.material(id: id) else { throw APIError(.notFound, "no material \(id)") }
        return found
    }

    static func get(_ context: RequestContext) throws {
        try context.response.sendEnvelope(data: try find(context).json)
    }

    static func delete(_ context: RequestContext) throws {
        let record = try find(context)
        try context.services.ingest.remove(id: record.fileID, storedPath: record.basePath) { transaction in
            // A concurrent delete got there first: nothing of ours to remove.
            guard try transaction.deleteMaterial(id: record.id) else { throw APIError(.notFound, "no material \(record.id)") }
            try transaction.deleteFile(id: record.fileID, path: record.basePath)
        }
        try context.response.sendEnvelope(data: ["id": .int(record.id), "deleted": true])
    }
}
