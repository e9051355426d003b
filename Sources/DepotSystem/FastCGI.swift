internal import CFastCGI
import DepotCore
import Glibc

/// Process-wide libfcgi set-up and listening sockets.
package enum FastCGI {
    /// Initialises libfcgi once, before any thread accepts.
    package static func initialize() throws(SystemError) {
        guard FCGX_Init() == 0 else { throw SystemError(errno: Glibc.errno, function: "FCGX_Init") }
    }

    /// True when stdin is not a socket, i.e. the process was started as a plain CGI program.
    package static var stdinIsNotASocket: Bool { FCGX_IsCGI() != 0 }

    /// Opens a listening Unix socket (mode 0660: only nginx's group may connect) or `host:port`.
    /// - Parameters:
    ///   - address: a filesystem path, or `host:port` (`:port` for every interface; never a public one).
    ///   - backlog: the listen queue length.
    /// - Returns: the listening file descriptor.
    package static func openSocket(_ address: String, backlog: Int32 = 1024) throws(SystemError) -> Int32 {
        let isPath = address.contains("/") || !address.contains(":")
        if isPath {
            // A stale socket from a crashed run would make bind fail.
            var status = stat()
            if lstat(address, &status) == 0 && (status.st_mode & S_IFMT) == S_IFSOCK { unlink(address) }
        }
        let fd = FCGX_OpenSocket(address, backlog)
        guard fd >= 0 else { throw SystemError(errno: Glibc.errno == 0 ? EADDRINUSE : Glibc.errno, function: "FCGX_OpenSocket(\(address))") }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        if isPath { chmod(address, 0o660) }
        return fd
    }
}

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

/// Reads FCGI_STDIN through libfcgi's buffered stream.
package final class FastCGIBody: RequestBody {
    private let request: UnsafeMutablePointer<FCGX_Request>
    /// Bytes handed to the handler so far.
    private(set) var bytesRead: Int64 = 0

    fileprivate init(request: UnsafeMutablePointer<FCGX_Request>) { self.request = request }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let count = Int32(clamping: buffer.count)
        let got = FCGX_GetStr(base.assumingMemoryBound(to: CChar.self), count, self.request.pointee.in)
        if got < 0 || (got == 0 && FCGX_GetError(self.request.pointee.in) != 0) { throw TransportError.peerGone }
        self.bytesRead += Int64(got)
        return Int(got)
    }
}

/// Writes FCGI_STDOUT records through libfcgi's buffered stream.
package final class FastCGIOutput: ResponseOutput {
    private let request: UnsafeMutablePointer<FCGX_Request>

    fileprivate init(request: UnsafeMutablePointer<FCGX_Request>) { self.request = request }

    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard var base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self) else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let chunk = Int32(min(remaining, 1 << 30))
            guard FCGX_PutStr(base, chunk, self.request.pointee.out) == chunk else { throw TransportError.peerGone }
            base += Int(chunk)
            remaining -= Int(chunk)
        }
    }

    package func flush() throws {
        guard FCGX_FFlush(self.request.pointee.out) == 0 else { throw TransportError.peerGone }
    }

    package func abort() {
        // Without FCGI_END_REQUEST nginx reports "upstream prematurely closed" and cuts the client off,
        // which is the only honest way to fail once a status has been sent.
        let fd = self.request.pointee.ipcFd
        if fd >= 0 { shutdown(fd, Int32(SHUT_RDWR)) }
    }
}
