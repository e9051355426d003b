import DepotCore
import DepotSystem
import Foundation

/// `POST /api/uploads/{namespace}` and `PUT /api/uploads/{namespace}/{filename}`.
enum UploadHandlers {
    static let routes: [Route] = [
        Route(
            method: .post, path: "/api/uploads/{namespace...}", operationID: "uploadFiles",
            summary: "Stores every file part of a multipart request; text fields come back in data.fields.",
            query: [
                .init("name", "string", "`original` keeps the sanitised original file name instead of a uuid"),
                .init("overwrite", "string", "`1` replaces an existing file of that name atomically"),
            ],
            requestBody: ["multipart/form-data"],
            responses: [.init(201, "data = {files: [FILE], fields: {...}}")], handler: upload),
        Route(
            method: .put, path: "/api/uploads/{namespace...}/{filename}", operationID: "putFile",
            summary: "Stores a raw request body as one file; {filename} is the original name.",
            query: [.init("name", "string", "`original` keeps the name"), .init("overwrite", "string", "`1` replaces")],
            requestBody: ["application/octet-stream"], responses: [.init(201, "data = FILE")], handler: put),
    ]

    static func upload(_ context: RequestContext) throws {
        let namespace = try context.namespace()
        let ingest = context.services.ingest
        let (files, fields) = try UploadReceiver.receive(context)
        let keepOriginal = context.head.queryValue("name") == "original"
        let overwrite = context.head.queryValue("overwrite") == "1"
        let now = Date()
        let folder = "/\(namespace)/\(StorageNaming.dateFolder(now))"
        let metadata = fields.json.serialized
        var records: [FileRecord] = []
        var placements: [FileStore.Placement] = []
        for file in files {
            try ingest.checkPixels(file.sniff, name: file.originalName)
            let id = StorageNaming.timeOrderedUUID(at: now)
            let name = try ingest.storedName(original: file.originalName, sniff: file.sniff, keepOriginal: keepOriginal, id: id)
            let path = "\(folder)/\(name)"
            if placements.contains(where: { $0.storedPath == path }) {
                throw APIError(.conflict, "two files in this request are both named '\(name)'")
            }
            records.append(file.record(id: id, namespace: namespace, path: path, metadata: metadata, now: now))
            placements.append(.init(source: .temp(file.temp), id: id, storedPath: path, overwrite: overwrite))
        }
        // The temp files must outlive the placement: they delete themselves when released.
        try withExtendedLifetime(files) {
            try ingest.commit(records, placements: placements, overwrite: overwrite)
        }
        try context.response.sendEnvelope(status: 201, data: ["files": .array(records.map(\.json)), "fields": fields.json])
    }

    static func put(_ context: RequestContext) throws {
        let namespace = try context.namespace()
        let original = try context.parameter("filename")
        guard !original.isEmpty else { throw APIError(.paramsInvalid, "the file name (the last path segment) is empty") }
        let services = context.services
        let limits = services.config.limits
        let store = services.storage
        var source = try RequestBodySource.of(context)
        if case .offloaded(let body) = source, !onSameFilesystem(body.path, store.root) {
            // link() cannot cross filesystems: copy the body instead (documented in docs/deployment.md).
            source = .copied(body)
        }
        let sniff: SniffResult
        let sha256: String
        let size: Int64
        let placementSource: FileStore.Placement.Source
        switch source {
        case .offloaded(let body):
            // nginx's temp file becomes the stored file by link(): the bytes are read once for the hash, never copied.
            guard body.size <= limits.maxFileSize else { throw APIError(.payloadTooLarge, "the file is larger than \(limits.maxFileSize) bytes") }
            let (digest, prefix) = try FileDigest.sha256(path: body.path)
            // nginx never syncs its body file: a durable store must, before the link makes it a stored file.
            if services.config.durable { try FileSystem.sync(path: body.path) }
            (sniff, sha256, size, placementSource) = (ContentSniffer.sniff(prefix), digest, body.size, .path(body.path))
        case .stream, .copied:
            let body = source.reader
            let file = try store.makeTempFile()
            var buffer = [UInt8](repeating: 0, count: UploadReceiver.readSize)
            while true {
                let got = try buffer.withUnsafeMutableBytes { try body.read(into: $0) }
                if got == 0 { break }
                guard file.size + Int64(got) <= limits.maxFileSize else {
                    throw APIError(.payloadTooLarge, "the file is larger than \(limits.maxFileSize) bytes")
                }
                try buffer.withUnsafeBytes { try file.write(UnsafeRawBufferPointer(rebasing: $0[..<got])) }
            }
            sha256 = try file.finish(durable: services.config.durable)
            (sniff, size, placementSource) = (ContentSniffer.sniff(file.prefix), file.size, .temp(file))
        }
        try services.ingest.checkPixels(sniff)
        let overwrite = context.head.queryValue("overwrite") == "1"
        let now = Date()
        let id = StorageNaming.timeOrderedUUID(at: now)
        let name = try services.ingest.storedName(original: original, sniff: sniff, keepOriginal: context.head.queryValue("name") == "original", id: id)
        let path = "/\(namespace)/\(StorageNaming.dateFolder(now))/\(name)"
        let record = FileRecord.make(id: id, namespace: namespace, path: path, originalName: original, size: size, sha256: sha256, sniff: sniff, now: now)
        try services.ingest.commit([record], placements: [.init(source: placementSource, id: id, storedPath: path, overwrite: overwrite)], overwrite: overwrite)
        try context.response.sendEnvelope(status: 201, data: record.json)
    }
}
