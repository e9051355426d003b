import DepotCore
import Testing

@Suite struct ResponseTests {
    @Test func stateMachineSendsHeadOnceThenBody() throws {
        var machine = ResponseStateMachine()
        #expect(try machine.sendHead() == .writeHead)
        #expect(throws: ResponseStateMachine.Misuse.headAlreadySent) { _ = try machine.sendHead() }
        #expect(try machine.sendBody(isEmpty: false) == .writeBody)
        #expect(try machine.sendBody(isEmpty: true) == .nothing)
        #expect(machine.finish() == .nothing)
        #expect(machine.state == .finished)
        #expect(throws: ResponseStateMachine.Misuse.writeAfterEnd) { _ = try machine.sendBody(isEmpty: false) }
    }

    @Test func failureBeforeTheHeadIsAnErrorResponseAfterItAnAbort() throws {
        var early = ResponseStateMachine()
        #expect(early.fail() == .sendErrorResponse)
        var late = ResponseStateMachine()
        _ = try late.sendHead()
        #expect(late.fail() == .abortConnection)
        #expect(late.state == .aborted)
        #expect(late.fail() == .nothing)
    }

    @Test func bodyBeforeHeadIsMisuse() {
        var machine = ResponseStateMachine()
        #expect(throws: ResponseStateMachine.Misuse.bodyBeforeHead) { _ = try machine.sendBody(isEmpty: false) }
    }

    @Test func writerSerialisesCGIHeadAndEnvelope() throws {
        let output = MemoryOutput()
        let writer = ResponseWriter(output: output)
        try writer.sendEnvelope(status: 404, code: .notFound, message: "no \"such\" file", headers: [("X-A", "b\r\nInjected: 1")])
        try writer.finish()
        let text = String(decoding: output.bytes, as: UTF8.self)
        #expect(text.hasPrefix("Status: 404 Not Found\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: 51\r\n"))
        #expect(text.contains("X-A: b  Injected: 1\r\n"))
        #expect(text.hasSuffix("\r\n\r\n{\"code\":40400,\"msg\":\"no \\\"such\\\" file\",\"data\":null}"))
        #expect(writer.fail() == false)
        #expect(!output.aborted)
    }

    @Test func failingMidStreamAbortsTheOutput() throws {
        let output = MemoryOutput()
        let writer = ResponseWriter(output: output)
        try writer.sendHead(ResponseHead(status: 200))
        try writer.write(Array("partial".utf8))
        #expect(writer.fail() == false)
        #expect(output.aborted)
    }

    @Test func headRequestsCountButDoNotSendTheBody() throws {
        let output = MemoryOutput()
        let writer = ResponseWriter(output: output, suppressBody: true)
        try writer.send(status: 200, contentType: "text/plain", body: Array("hello".utf8))
        #expect(writer.bodyBytesWritten == 5)
        #expect(String(decoding: output.bytes, as: UTF8.self).hasSuffix("Content-Length: 5\r\n\r\n"))
    }

    @Test func everyCodeMapsToItsStatus() {
        let expected: [ErrorCode: Int] = [
            .ok: 200, .paramsInvalid: 400, .parserFailed: 400, .unauthorized: 401, .forbidden: 403, .notFound: 404,
            .methodNotAllowed: 405, .conflict: 409, .gone: 410, .preconditionFailed: 412, .payloadTooLarge: 413, .unsupportedMedia: 415,
            .locked: 423, .checksumMismatch: 460,
            .internalError: 500, .unavailable: 503, .insufficientStorage: 507, .downloadFailed: 502,
        ]
        for code in ErrorCode.allCases { #expect(code.httpStatus == expected[code], "\(code)") }
    }
}
