import DepotCore
import DepotSystem
import Foundation

/// `GET|HEAD /api/files/{id}`, `/api/files/path/{stored path}` and `POST /api/files/{id}/link`.
enum DownloadHandlers {
    /// What a stored file may be served as (its sniffed type).
    static let fileTypes = ["image/*", "video/*", "audio/*", "text/plain", "application/pdf", "application/octet-stream"]

    static let routes: [Route] = [
        Route(
            method: .get, path: "/api/files/path/{path...}", operationID: "downloadFileByPath",
            summary: "The file at a stored path (without its leading /); nginx sends the bytes.",
            query: [
                .init("download", "string", "`1` forces Content-Disposition: attachment"), .init("expires", "integer", "signed link expiry"),
                .init("sig", "string", "signed link signature"),
            ],
            responses: [.init(200, "the file with its recorded type", mediaTypes: fileTypes), .init(206, "a range", mediaTypes: fileTypes)],
            handler: byPath),
        Route(
            method: .get, path: "/api/files/{id}", operationID: "downloadFile", summary: "A stored file by id; nginx sends the bytes.",
            query: [
                .init("download", "string", "`1` forces Content-Disposition: attachment"), .init("expires", "integer", "signed link expiry"),
                .init("sig", "string", "signed link signature"),
            ],
            responses: [
                .init(200, "the file with its recorded (sniffed) type", mediaTypes: fileTypes), .init(206, "a range", mediaTypes: fileTypes),
                .init(304, "not modified", mediaTypes: []),
            ],
            handler: byID),
        Route(
            method: .post, path: "/api/files/{id}/link", operationID: "createSignedLink",
            summary: "A signed, expiring URL for the file: body {\"ttl\": seconds} (default 3600, at most 30 days).",
            requestBody: ["application/json"], responses: [.init(200, "data = {url, expires_at}")], handler: link),
    ]

    static func byID(_ context: RequestContext) throws {
        let id = try context.parameter("id")
        let record = try context.services.persistence.file(id: id)
        guard let record else { throw APIError(.notFound, "no such file") }
        try serve(record, context)
    }

    static func byPath(_ context: RequestContext) throws {
        guard let raw = context.rawParameters["path"] else { throw APIError(.notFound) }
        // Judged on the raw text: `..` in any spelling never reaches a lookup.
        let segments = raw.split(separator: "/", omittingEmptySubsequences: false)
        let decoded = segments.map { PercentEncoding.decode($0) }
        guard !decoded.contains(where: { $0 == nil || $0 == "." || $0 == ".." || $0!.isEmpty || $0!.utf8.contains { $0 == UInt8(ascii: "/") || $0 == 0 } })
        else {
            throw APIError(.forbidden, "the path is outside the storage")
        }
        let path = "/" + decoded.map { $0! }.joined(separator: "/")
        let record = try context.services.persistence.file(path: path)
        guard let record else { throw APIError(.notFound, "no such file") }
        try serve(record, context)
    }

    /// Checks access: a signature, when present, decides (403 when bad or expired); private
    /// namespaces otherwise need the API token (401).
    /// - Parameter signedPath: the path the signature must be made for (default: the request's).
    static func authorizeRead(_ record: ServedFile, _ context: RequestContext, signedPath: @autoclosure () -> String? = nil) throws {
        let head = context.head
        let expires = head.queryValue("expires")
        let signature = head.queryValue("sig")
        if expires != nil || signature != nil {
            guard let expires, let signature, !context.services.config.signingKey.isEmpty else {
                throw APIError(.forbidden, "the link signature is invalid")
            }
            switch context.services.signer.verify(path: signedPath() ?? String(head.rawPath), expires: expires, signature: signature, now: Date()) {
            case .valid: return
            case .expired: throw APIError(.forbidden, "the link has expired")
            case .badSignature: throw APIError(.forbidden, "the link signature is invalid")
            }
        }
        let isPrivate = context.services.config.privateNamespaces.contains { record.namespace == $0 || record.namespace.hasPrefix($0 + "/") }
        guard isPrivate else { return }
        guard context.services.presentsToken(head) else {
            throw APIError(.unauthorized, "this file needs a token or a signed link", headers: [("WWW-Authenticate", "Bearer realm=\"depot\"")])
        }
    }

    static func serve(_ record: ServedFile, _ context: RequestContext) throws {
        try authorizeRead(record, context)
        guard
            let plan = DownloadPlan(
                storedPath: record.path, contentType: record.contentType, originalName: record.originFilename,
                forceDownload: context.head.queryValue("download") == "1")
        else {
            throw APIError(.forbidden, "the path is outside the storage")
        }
        if context.services.config.accel {
            var head = ResponseHead(status: 200)
            head.add("Content-Type", plan.contentType)
            head.add("Content-Disposition", plan.contentDisposition)
            head.add("Cache-Control", "private, no-cache")
            head.add("X-Accel-Redirect", plan.accelRedirect)
            try context.response.sendHead(head)
            return
        }
        try StandaloneFile.send(record: record, plan: plan, context: context)
    }

    static func link(_ context: RequestContext) throws {
        let id = try context.parameter("id")
        guard !context.services.config.signingKey.isEmpty else {
            throw APIError(.internalError, "signed links are not configured on this server")
        }
        var ttl: Int64 = 3600
        if let json = try context.jsonObject(example: "{\"ttl\": 3600}") {
            if let value = json["ttl"], value != .null {
                guard let seconds = value.intValue, (1...2_592_000).contains(seconds) else {
                    throw APIError(.paramsInvalid, "ttl must be a whole number of seconds from 1 to 2592000")
                }
                ttl = seconds
            }
        }
        let exists = try context.services.persistence.file(id: id) != nil
        guard exists else { throw APIError(.notFound, "no such file") }
        let expires = Int64(Date().timeIntervalSince1970) + ttl
        let path = "/api/files/\(PercentEncoding.encode(id))"
        let url = "\(path)?\(context.services.signer.query(path: path, expires: expires))"
        try context.response.sendEnvelope(
            data: ["url": .string(url), "expires_at": .string(CivilTime.utc(expires).iso8601)])
    }
}
