internal import CFastCGI
import DepotCore
import Glibc

/// One worker thread's FastCGI request slot: a heap-allocated `FCGX_Request` it reuses for every request.
package final class FastCGIRequestSlot {
    private let request: UnsafeMutablePointer<FCGX_Request>

    /// - Parameter listenFD: the listening socket shared by all workers.
    package init(listenFD: Int32) {
        self.request = .allocate(capacity: 1)
        // A signal (WorkerPool's wake-up at shutdown) makes a blocked accept return instead of retrying.
        FCGX_InitRequest(self.request, listenFD, Int32(FCGI_FAIL_ACCEPT_ON_INTR))
    }

    deinit {
        FCGX_Free(self.request, 1)
        self.request.deallocate()
    }

    /// Waits for the next request.
    /// - Returns: 0 when a request was accepted, else a negative errno (`-EINTR`: woken by a signal).
    package func accept() -> Int32 {
        FCGX_Accept_r(self.request)
    }

    /// Ends the request: flushes, sends FCGI_END_REQUEST, closes the connection.
    ///
    /// libfcgi's close normally drains first (shutdown, then poll and read until nginx closes) so that
    /// body bytes still in flight cannot reset the connection before nginx has read the answer. Once
    /// stdin's end has been seen there is nothing left to drain, and the wait for nginx is skipped.
    package func finish() {
        if self.stdinFullyRead() { FCGX_Detach(self.request) }
        FCGX_Finish_r(self.request)
        self.body = nil
    }

    /// True when the end of FCGI_STDIN has been read, or can be at once because every declared byte
    /// (none, for a request without a body) has been read and nginx sends the end record with them.
    private func stdinFullyRead() -> Bool {
        guard let input = self.request.pointee.in else { return false }
        if FCGX_HasSeenEOF(input) == EOF { return true }
        let envp = self.request.pointee.envp
        guard FCGX_GetParam("HTTP_TRANSFER_ENCODING", envp) == nil else { return false }
        let declared = FCGX_GetParam("CONTENT_LENGTH", envp).flatMap { Int64(String(cString: $0)) } ?? 0
        // Only once every declared byte has been read is the end record next (nginx sends it with the
        // last bytes); otherwise reading on could wait for a slow client, and the drain handles it.
        guard declared == (self.body?.bytesRead ?? 0) else { return false }
        return FCGX_GetChar(input) == EOF && FCGX_HasSeenEOF(input) == EOF
    }

    /// The request head, built from libfcgi's parameter copies before `finish()` frees them.
    /// - Returns: the head and the parameters' total size in bytes.
    package func readHead() -> (head: RequestHead, paramsBytes: Int) {
        var builder = RequestHeadBuilder()
        var total = 0
        guard var cursor = self.request.pointee.envp else { return (builder.build(), 0) }
        while let entry = cursor.pointee {
            let length = strlen(entry)
            total += length
            let bytes = UnsafeRawBufferPointer(start: entry, count: length)
            if let equals = bytes.firstIndex(of: UInt8(ascii: "=")) {
                builder.add(name: UnsafeRawBufferPointer(rebasing: bytes[..<equals]), value: UnsafeRawBufferPointer(rebasing: bytes[(equals + 1)...]))
            }
            cursor += 1
        }
        return (builder.build(), total)
    }

    /// The current request's body reader, which counts what the handler read.
    private var body: FastCGIBody?

    /// The request body (FastCGI stdin).
    package func makeBody() -> FastCGIBody {
        let body = FastCGIBody(request: self.request)
        self.body = body
        return body
    }

    /// The response stream (FastCGI stdout).
    package func makeOutput() -> FastCGIOutput { FastCGIOutput(request: self.request) }
}
