import DepotCore
import DepotSystem
import Foundation

/// `/api/tus/{namespace}`: resumable uploads, tus 1.0.0 with every extension (API.md, "Resumable
/// uploads"). Headers in, headers out; the work is `ResumableUploads`'. Every answer carries
/// `Tus-Resumable` (added for the whole `/api/tus/` prefix in `App.handle`).
enum TusHandlers {
    static let base = "/api/tus/{namespace...}"
    static let upload = "/api/tus/{namespace...}/{id}"

    static let routes: [Route] = [
        Route(
            method: .options, path: base, operationID: "tusOptions", summary: "tus discovery: version, extensions, maximum size, checksums.",
            responses: [.init(204, "Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm")], needsToken: false, handler: options),
        Route(
            method: .options, path: upload, operationID: "tusOptionsUpload", summary: "tus discovery (on an upload's URL).",
            responses: [.init(204, "as OPTIONS on the namespace")], needsToken: false, handler: options),
        Route(
            method: .post, path: base, operationID: "tusCreate",
            summary: "Creates a resumable upload (Upload-Length or Upload-Defer-Length: 1, Upload-Metadata, Upload-Concat); a body of application/offset+octet-stream is its first chunk.",
            query: [.init("name", "string", "`original` keeps the file name at completion"), .init("overwrite", "string", "`1` replaces at completion")],
            requestBody: [TusHeaders.offsetContentType], responses: [.init(201, "Location of the upload; Upload-Offset when a body came")],
            handler: create),
        Route(
            method: .head, path: upload, operationID: "tusHead", summary: "An upload's offset, length, metadata and expiry (never waits for a PATCH).",
            responses: [.init(200, "Upload-Offset, Upload-Length or Upload-Defer-Length, Upload-Metadata, Upload-Expires")],
            needsToken: true, handler: head),
        Route(
            method: .get, path: upload, operationID: "tusStatus",
            summary: "The stored FILE once complete; {offset, length} while incomplete; the completion's error when it failed.",
            responses: [.init(200, "data = FILE or {offset, length}")], needsToken: true, handler: status),
        Route(
            method: .patch, path: upload, operationID: "tusPatch",
            summary: "Appends the body at Upload-Offset (Upload-Checksum optional); completes the upload at its length.",
            requestBody: [TusHeaders.offsetContentType], responses: [.init(204, "the new Upload-Offset and Upload-Expires")], handler: patch),
        Route(
            method: .delete, path: upload, operationID: "tusTerminate", summary: "Removes an upload and its bytes.",
            responses: [.init(204, "removed")], handler: terminate),
    ]

    static func options(_ context: RequestContext) throws {
        try context.response.sendHead(ResponseHead(status: 204, headers: [
            ("Tus-Version", TusHeaders.version), ("Tus-Extension", TusHeaders.extensions),
            ("Tus-Max-Size", String(context.services.config.limits.maxFileSize)),
            ("Tus-Checksum-Algorithm", TusHeaders.checksumAlgorithms),
        ]))
    }

    /// Every request but OPTIONS names the version (412 otherwise, with the versions spoken).
    private static func checkVersion(_ context: RequestContext) throws {
        do {
            try TusHeaders.checkVersion(context.head.headers)
        } catch {
            throw APIError(.preconditionFailed, error.reason, headers: [("Tus-Version", TusHeaders.version)])
        }
    }

    private static func expires(_ upload: ResumableUpload) -> [(String, String)] {
        upload.placed ? [] : [("Upload-Expires", CivilTime.utc(upload.expiresAt / 1000).httpDate)]
    }

    static func create(_ context: RequestContext) throws {
        try checkVersion(context)
        let namespace = try context.namespace()
        let creation = try TusHeaders.creation(context.head.headers)
        let uploads = context.services.resumable
        let withBody = (context.head.headers["content-type"] ?? "").lowercased().hasPrefix(TusHeaders.offsetContentType)
        var upload = try uploads.create(
            namespace: namespace, creation: creation, keepOriginal: context.head.queryValue("name") == "original",
            overwrite: context.head.queryValue("overwrite") == "1")
        var headers: [(String, String)] = [("Location", "/api/tus/\(namespace)/\(upload.id)")] + expires(upload)
        if withBody && upload.kind != .final {
            // creation-with-upload: the body is the first chunk. A failure after creation still
            // answers 201 with the offset reached, so the client resumes from there.
            let patch = TusHeaders.Patch(offset: 0, length: nil, checksum: try context.head.headers["upload-checksum"].map { try TusChecksum.parse($0) })
            do {
                upload = try uploads.patch(upload, patch, declaredLength: context.head.contentLength.map(Int64.init), body: context.body).upload
            } catch let error where !(error is TransportError) {
                let (apiError, _) = ErrorMapping.map(error)
                guard apiError.code == .checksumMismatch || apiError.code == .locked else { throw error }
                upload = (try? uploads.find(namespace: namespace, id: upload.id)) ?? upload
            }
            headers.append(("Upload-Offset", String(upload.offset)))
        } else if upload.length == 0 {
            // Upload-Length: 0 completes at once.
            _ = try uploads.patch(upload, TusHeaders.Patch(offset: 0, length: nil, checksum: nil), declaredLength: 0, body: EmptyBody())
            headers.append(("Upload-Offset", "0"))
        }
        try context.response.sendEnvelope(status: 201, data: ["id": .string(upload.id), "offset": .int(upload.offset)], headers: headers)
    }

    static func head(_ context: RequestContext) throws {
        try checkVersion(context)
        let upload = try context.services.resumable.find(namespace: try context.namespace(), id: try context.parameter("id"))
        var head = ResponseHead(status: 200, headers: [("Upload-Offset", String(upload.offset)), ("Cache-Control", "no-store")])
        if let length = upload.length { head.add("Upload-Length", String(length)) } else { head.add("Upload-Defer-Length", "1") }
        if !upload.metadata.isEmpty { head.add("Upload-Metadata", upload.metadata) }
        for (name, value) in expires(upload) { head.add(name, value) }
        switch upload.kind {
        case .plain: break
        case .partial: head.add("Upload-Concat", "partial")
        case .final: head.add("Upload-Concat", "final;" + upload.parts.map { "/api/tus/\(upload.namespace)/\($0)" }.joined(separator: " "))
        }
        try context.response.sendHead(head)
    }

    static func status(_ context: RequestContext) throws {
        try checkVersion(context)
        let namespace = try context.namespace()
        let id = try context.parameter("id")
        let services = context.services
        do {
            let upload = try services.resumable.find(namespace: namespace, id: id)
            if upload.placed { throw APIError(.notFound) }
            if let outcome = upload.outcome, let json = try? JSONValue.parse(Array(outcome.utf8)),
                let code = json["code"]?.intValue.flatMap({ ErrorCode(rawValue: Int($0)) })
            {
                throw APIError(code, json["msg"]?.stringValue)
            }
            try context.response.sendEnvelope(data: ["offset": .int(upload.offset), "length": upload.length.map { .int($0) } ?? .null])
        } catch let error as APIError where error.code == .notFound {
            // Complete: the upload is the stored file with the same id.
            guard let record = try services.persistence.fileRecord(id: id), record.namespace == namespace else { throw error }
            try context.response.sendEnvelope(data: record.json)
        }
    }

    static func patch(_ context: RequestContext) throws {
        try checkVersion(context)
        let headers = try TusHeaders.patch(context.head.headers)
        let uploads = context.services.resumable
        let upload = try uploads.find(namespace: try context.namespace(), id: try context.parameter("id"))
        let progress = try uploads.patch(upload, headers, declaredLength: context.head.contentLength.map(Int64.init), body: context.body)
        try context.response.sendHead(ResponseHead(status: 204, headers: [("Upload-Offset", String(progress.upload.offset))] + expires(progress.upload)))
    }

    static func terminate(_ context: RequestContext) throws {
        try checkVersion(context)
        let uploads = context.services.resumable
        try uploads.terminate(try uploads.find(namespace: try context.namespace(), id: try context.parameter("id")))
        try context.response.sendHead(ResponseHead(status: 204))
    }
}

/// A body with no bytes (a zero-length upload completes without one).
private final class EmptyBody: RequestBody {
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int { 0 }
}
