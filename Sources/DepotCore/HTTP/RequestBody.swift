/// Where the request body comes from: FastCGI stdin, CGI stdin, a file, memory.
package protocol RequestBody: AnyObject {
    /// Reads up to `buffer.count` bytes.
    /// - Returns: the number of bytes read; 0 at the end of the body.
    /// - Throws: `TransportError` when the body cannot be read.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}
