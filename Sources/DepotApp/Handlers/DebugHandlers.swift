import DepotCore
import DepotSystem
import Foundation

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
