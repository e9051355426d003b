import DepotCore
import DepotSystem
import Foundation

/// `POST /api/users/{openid}/avatar` and `POST /api/fetch`: the server downloads a URL into storage.
enum FetchHandlers {
    static let routes: [Route] = [
        Route(
            method: .post, path: "/api/users/{openid}/avatar", operationID: "fetchAvatar",
            summary: "Downloads {\"avatarUrl\"} to avatars/{YYYYMMDD}/{openid}/{uuid}.{ext}; it must be an image.",
            requestBody: ["application/json"],
            responses: [.init(201, "data = FILE"), .init(502, "code 53003: download avatar failed")], handler: avatar),
        Route(
            method: .post, path: "/api/fetch", operationID: "fetchURL",
            summary: "Downloads {\"url\", \"namespace\"} to {namespace}/{YYYYMMDD}/{uuid hex}.{ext}.",
            requestBody: ["application/json"],
            responses: [.init(201, "data = FILE plus name"), .init(502, "code 53003: download failed")], handler: fetch),
    ]

    static func avatar(_ context: RequestContext) throws {
        let openid = try context.parameter("openid")
        guard (1...128).contains(openid.utf8.count),
            openid.utf8.allSatisfy({ ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 || $0 == 45 })
        else {
            throw APIError(.paramsInvalid, "openid must be 1 to 128 characters of [A-Za-z0-9_-]")
        }
        guard let url = try context.jsonObject()?["avatarUrl"]?.stringValue, !url.isEmpty else {
            throw APIError(.paramsInvalid, "avatarUrl is required")
        }
        let (record, _) = try download(
            context, url: url, namespace: "avatars", folder: "/avatars/\(StorageNaming.dateFolder(Date(), compact: true))/\(openid)",
            mustBeImage: true, failure: "download avatar failed")
        try context.response.sendEnvelope(status: 201, data: record.json)
    }

    static func fetch(_ context: RequestContext) throws {
        guard let json = try context.jsonObject() else { throw APIError(.paramsInvalid, "the body must be a JSON object") }
        guard let url = json["url"]?.stringValue, !url.isEmpty else { throw APIError(.paramsInvalid, "url is required") }
        let requested = json["namespace"]?.stringValue ?? "fetched"
        guard let namespace = StorageNaming.namespace(raw: requested) else {
            throw APIError(.paramsInvalid, "the namespace must be 1 to 4 segments of [a-z0-9_-]{1,64}")
        }
        let (record, name) = try download(
            context, url: url, namespace: namespace, folder: "/\(namespace)/\(StorageNaming.dateFolder(Date(), compact: true))",
            mustBeImage: false, failure: "download failed")
        var data = record.json
        if case .object(var members) = data {
            members.append(("name", .string(name)))
            data = .object(members)
        }
        try context.response.sendEnvelope(status: 201, data: data)
    }

    /// Downloads, checks, places and records one remote file.
    /// - Returns: the row and the stored name without extension (the uuid hex).
    /// - Throws: 502 code 53003 with `failure` for anything that goes wrong with the download.
    static func download(
        _ context: RequestContext, url: String, namespace: String, folder: String, mustBeImage: Bool, failure: String
    ) throws -> (FileRecord, String) {
        let services = context.services
        let started = monotonicSeconds()
        let body: FetchedBody
        do {
            body = try RemoteFetcher.fetch(url, policy: services.config.fetchPolicy, store: services.storage)
        } catch {
            Log.warn("fetch \(redactedURL(url)) refused after \(String(format: "%.2f", monotonicSeconds() - started))s: \(error)")
            throw APIError(.downloadFailed, failure)
        }
        let sniff = ContentSniffer.sniff(body.temp.prefix)
        if mustBeImage && sniff.kind != .image {
            Log.warn("fetch \(redactedURL(url)) refused: \(FetchRefusal.notAnImage) (\(sniff.contentType))")
            throw APIError(.downloadFailed, failure)
        }
        guard services.ingest.fitsPixelLimit(sniff) else {
            Log.warn("fetch \(redactedURL(url)) refused: image over the pixel limit")
            throw APIError(.downloadFailed, failure)
        }
        let uuid = StorageNaming.timeOrderedUUID(at: Date())
        let name = uuid.replacingOccurrences(of: "-", with: "")
        let path = "\(folder)/\(name)\(sniff.fileExtension.map { ".\($0)" } ?? "")"
        let originalName = body.finalURL.lastPathComponent.isEmpty || body.finalURL.lastPathComponent == "/" ? name : body.finalURL.lastPathComponent
        let record = FileRecord.make(
            id: uuid, namespace: namespace, path: path, originalName: originalName, fallbackName: name, size: body.temp.size,
            sha256: body.sha256, sniff: sniff, metadata: JSONValue.object([("source", .string(redactedURL(url)))]).serialized)
        try withExtendedLifetime(body) {
            try services.ingest.commit(
                [record], placements: [.init(source: .temp(body.temp), id: record.id, storedPath: path, overwrite: false)], overwrite: false)
        }
        return (record, name)
    }
}
