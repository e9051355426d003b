import FastCGITestSupport
import Foundation
import Glibc
import Testing

@Suite("Responder runtime over a Unix socket")
struct RuntimeTests {
    @Test func healthzAnswersTheEnvelope() throws {
        try withResponder { responder in
            let response = try responder.client.send(uri: "/api/healthz")
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/json; charset=utf-8")
            #expect(response.header("Content-Length") == String(response.body.count))
            #expect(envelopeCode(response) == 0)
            let data = response.json?["data"] as? [String: Any]
            #expect(data?["db"] as? String == "ok")
            #expect(data?["storage"] as? String == "ok")
        }
    }

    @Test func unknownRouteIs404AndWrongMethodIs405WithAllow() throws {
        try withResponder { responder in
            let missing = try responder.client.send(uri: "/api/nope")
            #expect(missing.status == 404)
            #expect(envelopeCode(missing) == 40400)
            let trailing = try responder.client.send(uri: "/api/healthz/")
            #expect(trailing.status == 404)
            let wrong = try responder.client.send(method: "DELETE", uri: "/api/healthz")
            #expect(wrong.status == 405)
            #expect(envelopeCode(wrong) == 40500)
            #expect(wrong.header("Allow") == "GET, HEAD")
            let head = try responder.client.send(method: "HEAD", uri: "/api/healthz")
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
            #expect(Int(head.header("Content-Length") ?? "") ?? 0 > 0)
        }
    }

    @Test func writeRoutesNeedTheBearerToken() throws {
        try withResponder(environment: ["DEPOT_AUTH_TOKEN": "s3cret-token"]) { responder in
            let none = try responder.client.send(method: "POST", uri: "/api/_debug/echo", body: Array("hi".utf8))
            #expect(none.status == 401)
            #expect(envelopeCode(none) == 40100)
            #expect(none.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
            let wrong = try responder.client.send(
                method: "POST", uri: "/api/_debug/echo", body: Array("hi".utf8), headers: [("Authorization", "Bearer s3cret-tokeX")])
            #expect(wrong.status == 401)
            let right = try responder.client.send(
                method: "POST", uri: "/api/_debug/echo", body: Array("hi".utf8), headers: [("Authorization", "Bearer s3cret-token")])
            #expect(right.status == 200)
            #expect((right.json?["data"] as? [String: Any])?["size"] as? Int == 2)
            // Reads stay open.
            #expect(try responder.client.send(uri: "/api/healthz").status == 200)
        }
    }

    @Test func largeBodyIsStreamedThrough() throws {
        try withResponder { responder in
            let body = [UInt8](repeating: 0x61, count: 3 * 1024 * 1024 + 17)
            let response = try responder.client.send(method: "POST", uri: "/api/_debug/echo", body: body)
            #expect(response.status == 200)
            #expect((response.json?["data"] as? [String: Any])?["size"] as? Int == body.count)
        }
    }

    @Test func oversizedParamsAreRefusedAndTheNextRequestIsServed() throws {
        try withResponder(environment: ["DEPOT_SERVER_MAX_PARAMS_BYTES": "16K"]) { responder in
            let huge = String(repeating: "a", count: 20_000)
            let response = try responder.client.send(uri: "/api/healthz", headers: [("X-Huge", huge)])
            #expect(response.status == 400)
            #expect(envelopeCode(response) == 40000)
            #expect(try responder.client.send(uri: "/api/healthz").status == 200)
        }
    }

    @Test func malformedParamsCloseThatConnectionOnly() throws {
        try withResponder { responder in
            let fd = try responder.client.connect()
            // A name-value pair whose declared lengths run past the record's content.
            var bytes = FastCGIRecord.beginRequest()
            bytes += FastCGIRecord.encode(type: .params, content: [0x80, 0xFF, 0xFF, 0xFF, 5, 65, 66][...])
            bytes += FastCGIRecord.encode(type: .params, content: [])
            try FastCGIClient.writeAll(fd, bytes)
            #expect(throws: FastCGIClientError.self) { try responder.client.readResponse(fd) }
            close(fd)
            #expect(try responder.client.send(uri: "/api/healthz").status == 200)
        }
    }

    @Test func peerClosingEarlyLeavesTheResponderServing() throws {
        try withResponder { responder in
            // Closes in the middle of the params.
            let first = try responder.client.connect()
            try FastCGIClient.writeAll(first, FastCGIRecord.beginRequest() + [1, 4, 0, 1, 0, 40, 0, 0, 11, 2])
            close(first)
            // Declares a 1 MiB body, sends 10 bytes, closes.
            let second = try responder.client.connect()
            let params = FastCGIClient.nginxParams(method: "POST", uri: "/api/_debug/echo", body: 1 << 20)
            var bytes = FastCGIRecord.beginRequest()
            bytes += FastCGIRecord.encodeStream(type: .params, bytes: FastCGIRecord.encodePairs(params))
            bytes += FastCGIRecord.encode(type: .stdin, content: [UInt8](repeating: 1, count: 10)[...])
            try FastCGIClient.writeAll(second, bytes)
            close(second)
            // Sends a truncated body but stays to read the answer: 400 PARSER_FAILED.
            let third = try responder.client.connect()
            try FastCGIClient.writeAll(third, bytes + FastCGIRecord.encode(type: .stdin, content: []))
            let truncated = try responder.client.readResponse(third)
            close(third)
            #expect(truncated.status == 400)
            #expect(envelopeCode(truncated) == 40001)
            for _ in 0..<3 {
                #expect(try responder.client.send(uri: "/api/healthz").status == 200)
            }
        }
    }

    @Test func aFailureAfterTheHeadCutsTheConnectionInsteadOfA500() throws {
        try withResponder { responder in
            #expect(throws: FastCGIClientError.self) {
                _ = try responder.client.send(uri: "/api/_debug/stream?chunks=4&fail_after=2")
            }
            let whole = try responder.client.send(uri: "/api/_debug/stream?chunks=3")
            #expect(whole.status == 200)
            #expect(whole.body.count == 3 * 64 * 1024)
            #expect(responder.stderrText.contains("connection cut"))
        }
    }

    @Test func sixtyFourParallelRequests() throws {
        try withResponder(workers: 8) { responder in
            let client = responder.client
            let results = Results()
            DispatchQueue.concurrentPerform(iterations: 64) { index in
                let uri = index % 2 == 0 ? "/api/healthz" : "/api/_debug/sleep?ms=20"
                let status = (try? client.send(uri: uri).status) ?? -1
                results.add(status)
            }
            #expect(results.statuses.count == 64)
            #expect(results.statuses.allSatisfy { $0 == 200 }, "statuses: \(results.statuses)")
            let metrics = try client.send(uri: "/api/metrics").text
            #expect(metrics.contains("depot_requests_total{route=\"/api/healthz\",method=\"GET\",status=\"200\"} 32"))
            #expect(metrics.contains("depot_requests_total{route=\"/api/_debug/sleep\",method=\"GET\",status=\"200\"} 32"))
            #expect(metrics.contains("depot_requests_in_flight 1"))
        }
    }

    @Test func sigtermLetsTheSlowRequestInFlightFinish() throws {
        let responder = try ResponderProcess(environment: ["DEPOT_SERVER_DEBUG_ROUTES": "true"], workers: 2)
        let client = responder.client
        let outcome = Results()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let status = (try? client.send(uri: "/api/_debug/sleep?ms=1500").status) ?? -1
            outcome.add(status)
            done.signal()
        }
        usleep(400_000)  // the slow request is in its handler now
        responder.signal(SIGTERM)
        usleep(200_000)
        // No longer accepting: a new connection is refused (the socket is shut down).
        #expect((try? client.send(uri: "/api/healthz")) == nil)
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(outcome.statuses == [200])
        #expect(responder.waitForExit(timeout: 10) == 0)
        #expect(responder.stderrText.contains("signal 15"))
        #expect(!FileManager.default.fileExists(atPath: responder.socketPath))
    }

    @Test func gracePeriodBoundsTheWait() throws {
        let responder = try ResponderProcess(
            environment: ["DEPOT_SERVER_DEBUG_ROUTES": "true", "DEPOT_SERVER_GRACE_PERIOD": "300ms"], workers: 2)
        let client = responder.client
        Thread.detachNewThread { _ = try? client.send(uri: "/api/_debug/sleep?ms=8000") }
        usleep(300_000)
        let started = Date()
        responder.signal(SIGTERM)
        #expect(responder.waitForExit(timeout: 6) == 0)
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(responder.stderrText.contains("grace period over"))
    }
}

/// Thread-safe collector for results from concurrent requests.
final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int] = []
    func add(_ value: Int) { lock.withLock { values.append(value) } }
    var statuses: [Int] { lock.withLock { values } }
}
