import DepotCore
import DepotSystem
import Foundation
import Glibc

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
            try context.app.database.withConnection { connection in
                _ = try connection.withStatement("SELECT COUNT(*) FROM schema_version") { try $0.step() }
            }
            // Reading works on a full disk; the next commit would not.
            let directory = FileSystem.parentDirectory(of: context.app.config.databasePath)
            guard try FileSystem.availableBytes(directory) >= minimumFreeBytes else {
                throw SystemError(errno: ENOSPC, function: "free space for the database in \(directory)")
            }
        } catch {
            Log.error("healthz: database: \(error)")
            database = (error as? SystemError)?.errno == ENOSPC ? "full" : "error"
        }
        do {
            try FileSystem.probeWritable(context.app.store.temporaryDirectory, minimumFree: minimumFreeBytes)
        } catch {
            Log.error("healthz: storage: \(error)")
            storage = error.errno == ENOSPC ? "full" : "error"
        }
        let data: JSONValue = ["db": .string(database), "storage": .string(storage)]
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
            body: Array(context.app.metrics.render().utf8), headers: [("Cache-Control", "no-store")])
    }

    static func openAPI(_ context: RequestContext) throws {
        let document = OpenAPIDocument.make(routes: context.app.routes, tokenConfigured: !context.app.config.authToken.isEmpty)
        try context.response.send(status: 200, contentType: "application/json; charset=utf-8", body: Array(document.serialized.utf8))
    }
}

/// Routes that exist only with `server.debug_routes = true`, for tests of the runtime itself.
enum DebugHandlers {
    static let routes: [Route] = [
        Route(
            method: .get, path: "/api/_debug/sleep", operationID: "debugSleep",
            summary: "Sleeps ?ms= milliseconds (at most 10 s), then answers.",
            responses: [.init(200, "slept")], hidden: true, handler: sleep),
        Route(
            method: .post, path: "/api/_debug/echo", operationID: "debugEcho",
            summary: "Reads the body and answers its size.",
            requestBody: ["application/octet-stream"], responses: [.init(200, "size")], hidden: true, handler: echo),
        Route(
            method: .get, path: "/api/_debug/stream", operationID: "debugStream",
            summary: "Streams ?chunks= chunks of 64 KiB, failing after ?fail_after= chunks.",
            responses: [.init(200, "bytes", mediaType: "application/octet-stream")], hidden: true, handler: stream),
    ]

    static func sleep(_ context: RequestContext) throws {
        let milliseconds = min(Int(context.head.queryValue("ms") ?? "") ?? 100, 10_000)
        usleep(UInt32(milliseconds) * 1000)
        try context.response.sendEnvelope(data: ["slept_ms": .int(Int64(milliseconds))])
    }

    static func echo(_ context: RequestContext) throws {
        var total: Int64 = 0
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let got = try chunk.withUnsafeMutableBytes { try context.body.read(into: $0) }
            if got == 0 { break }
            total += Int64(got)
        }
        try context.response.sendEnvelope(data: ["size": .int(total)])
    }

    static func stream(_ context: RequestContext) throws {
        let chunks = min(Int(context.head.queryValue("chunks") ?? "") ?? 4, 1024)
        let failAfter = Int(context.head.queryValue("fail_after") ?? "") ?? Int.max
        var head = ResponseHead(status: 200)
        head.add("Content-Type", "application/octet-stream")
        try context.response.sendHead(head)
        let block = [UInt8](repeating: UInt8(ascii: "x"), count: 64 * 1024)
        for index in 0..<chunks {
            if index == failAfter { throw APIError(.internalError, "injected failure") }
            try context.response.write(block)
            try context.response.flush()
        }
    }
}
