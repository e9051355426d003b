import Foundation

/// A streaming raw-deflate compressor (zlib in DepotSystem), reset between zip entries.
package protocol StreamingDeflater: AnyObject {
    /// Compresses `input`; with `finish` also ends the stream. Output goes to `emit`.
    func deflate(_ input: UnsafeRawBufferPointer, finish: Bool, emit: (UnsafeRawBufferPointer) throws -> Void) throws
    /// Starts a new stream.
    func reset() throws
    /// CRC-32 continued over `bytes` (zlib's vectorised crc32).
    func crc32(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32
}
