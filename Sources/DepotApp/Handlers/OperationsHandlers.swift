import DepotCore
import DepotSystem
import Foundation

/// Health, metrics and the OpenAPI document.
enum OperationsHandlers {
    static let routes: [Route] = [
        Route(
            method: .get, path: "/api/healthz", operationID: "healthz",
            summary: "Checks that the database answers and the storage is writable.",
            responses: [
                .init(200, "ok: data = {db, storage}"), .init(500, "a check failed"),
                .init(507, "the database's or the storage's filesystem is full (\"full\" in data)"),
            ],
            handler: health),
        Route(
            method: .get, path: "/api/metrics", operationID: "metrics", summary: "Prometheus metrics.",
            responses: [.init(200, "Prometheus text exposition", mediaType: "text/plain; version=0.0.4")],
            handler: metrics),
        Route(
            method: .get, path: "/api/openapi.json", operationID: "openapi", summary: "This document.",
            responses: [.init(200, "OpenAPI 3.1 document")],
            handler: openAPI),
    ]

    /// Free bytes below which a filesystem counts as full: a store that cannot take one more
    /// small upload is not healthy, even though reads still work.
    static let minimumFreeBytes: Int64 = 1 << 20

    /// `ok`, `full` (no room left: ENOSPC) or `error` for each of the database and the storage.
    static func health(_ context: RequestContext) throws {
        var database = "ok"
        var storage = "ok"
        do {
            try context.services.persistence.checkHealth()
            // Reading works on a full disk; the next commit would not.
            if let directory = context.services.persistence.localDirectory {
                guard try FileSystem.availableBytes(directory) >= minimumFreeBytes else { throw SystemError.noSpace("free space for the database in \(directory)") }
            }
        } catch {
            Log.error("healthz: database: \(error)")
            database = (error as? SystemError)?.isNoSpace == true || (error as? PostgresError)?.isDiskFull == true ? "full" : "error"
        }
        do {
            try FileSystem.probeWritable(context.services.storage.temporaryDirectory, minimumFree: minimumFreeBytes)
        } catch {
            Log.error("healthz: storage: \(error)")
            storage = (error as? SystemError)?.isNoSpace == true ? "full" : "error"
        }
        let data: JSONValue = [
            "db": .string(database), "storage": .string(storage), "store": .string(context.services.persistence.name),
            "node": .string(context.services.config.node),
        ]
        if database == "ok" && storage == "ok" {
            try context.response.sendEnvelope(data: data)
        } else {
            // A full disk is what the contract's 507 names; anything else is a failed check.
            let failure = database == "full" || storage == "full" ? APIError(.insufficientStorage, "unhealthy: no space left") : APIError(.internalError, "unhealthy")
            try context.response.sendEnvelope(
                status: failure.code.httpStatus, code: failure.code, message: failure.message, data: data)
        }
    }

    static func metrics(_ context: RequestContext) throws {
        try context.response.send(
            status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8",
            body: Array(context.services.metrics.render().utf8), headers: [("Cache-Control", "no-store")])
    }

    static func openAPI(_ context: RequestContext) throws {
        let document = OpenAPIDocument.make(routes: context.services.routes, tokenConfigured: !context.services.config.authToken.isEmpty)
        try context.response.send(status: 200, contentType: "application/json; charset=utf-8", body: Array(document.serialized.utf8))
    }
}
