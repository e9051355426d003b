/// Streams one response into a `ResponseOutput`, enforcing head-once, then body, then end.
package final class ResponseWriter {
    private var machine = ResponseStateMachine()
    private let output: any ResponseOutput
    /// True for HEAD requests: the head goes out, body bytes are counted but not sent.
    private let suppressBody: Bool
    package private(set) var status: Int = 0
    package private(set) var bodyBytesWritten: Int64 = 0
    package private(set) var headBytesWritten: Int64 = 0
    /// Headers every response of this request carries, errors included (`Tus-Resumable`, CORS).
    package var extraHeaders: [(String, String)] = []

    package init(output: any ResponseOutput, suppressBody: Bool = false) {
        self.output = output
        self.suppressBody = suppressBody
    }

    package var headSent: Bool { self.machine.headSent }
    package var state: ResponseStateMachine.State { self.machine.state }

    /// Sends the status line and headers.
    package func sendHead(_ head: ResponseHead) throws {
        _ = try self.machine.sendHead()
        self.status = head.status
        var head = head
        for (name, value) in self.extraHeaders { head.add(name, value) }
        let bytes = head.cgiBytes()
        try bytes.withUnsafeBytes { buffer in try self.output.write(buffer) }
        self.headBytesWritten += Int64(bytes.count)
    }

    /// Sends body bytes.
    package func write(_ buffer: UnsafeRawBufferPointer) throws {
        guard try self.machine.sendBody(isEmpty: buffer.isEmpty) == .writeBody else { return }
        if !self.suppressBody { try self.output.write(buffer) }
        self.bodyBytesWritten += Int64(buffer.count)
    }

    /// Sends body bytes from an array.
    package func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try self.write($0) }
    }

    /// Pushes what is buffered to the peer (streaming responses call this between chunks).
    package func flush() throws {
        try self.output.flush()
    }

    /// Sends a complete response with a body of known length.
    package func send(status: Int, contentType: String, body: [UInt8], headers: [(String, String)] = []) throws {
        var head = ResponseHead(status: status)
        head.add("Content-Type", contentType)
        head.add("Content-Length", String(body.count))
        for (name, value) in headers { head.add(name, value) }
        try self.sendHead(head)
        try self.write(body)
    }

    /// Sends the JSON envelope.
    package func sendEnvelope(
        status: Int = 200, code: ErrorCode = .ok, message: String? = nil, data: JSONValue = .null,
        headers: [(String, String)] = []
    ) throws {
        let body = Envelope.bytes(code: code, message: message, data: data)
        try self.send(status: status, contentType: "application/json; charset=utf-8", body: body, headers: headers)
    }

    /// Called once the handler returned. The transport pushes out what is still buffered when it ends
    /// the request, so a headers-only answer leaves in one write together with the end-of-request record.
    package func finish() {
        _ = self.machine.finish()
    }

    /// Called when the handler failed.
    /// - Returns: true when the caller should send an error response; false when it was too late
    ///   and the connection has been cut instead.
    package func fail() -> Bool {
        switch self.machine.fail() {
        case .sendErrorResponse: return true
        case .abortConnection:
            self.output.abort()
            return false
        default: return false
        }
    }
}
