/// Where response bytes go: the FastCGI stream, stdout in CGI mode, memory in tests.
package protocol ResponseOutput: AnyObject {
    /// Writes bytes (buffered by the transport).
    /// - Throws: `TransportError.peerGone` when the client or nginx went away.
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Pushes buffered bytes to the peer now.
    func flush() throws
    /// Cuts the connection so the peer sees an incomplete response.
    func abort()
}

/// Where the request body comes from: FastCGI stdin, CGI stdin, a file, memory.
package protocol RequestBody: AnyObject {
    /// Reads up to `buffer.count` bytes.
    /// - Returns: the number of bytes read; 0 at the end of the body.
    /// - Throws: `TransportError` when the body cannot be read.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

package enum TransportError: Error, Sendable, Equatable {
    /// The peer closed the connection or the stream reported an error.
    case peerGone
    /// The body ended before its declared Content-Length.
    case truncated
}

/// A response output that keeps everything in memory (tests, small in-process uses).
package final class MemoryOutput: ResponseOutput {
    package private(set) var bytes: [UInt8] = []
    package private(set) var aborted = false
    package private(set) var flushes = 0

    package init() {}

    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        self.bytes.append(contentsOf: bytes)
    }

    package func flush() throws { self.flushes += 1 }

    package func abort() { self.aborted = true }
}
