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
