internal import CZlib
import DepotCore

/// zlib raw deflate (no zlib header: zip entries carry their own framing), one stream per entry.
package final class ZlibStreamDeflater: StreamingDeflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private var output = [UInt8](repeating: 0, count: 256 * 1024)

    /// - Parameter level: 1 (fastest) to 9; exports use a fast level (XML compresses well anyway).
    package init(level: Int32 = 1) throws {
        self.stream = .allocate(capacity: 1)
        self.stream.initialize(to: z_stream())
        // -15: raw deflate with a 32 KiB window; memLevel 8 is zlib's default.
        guard depot_deflate_init2(self.stream, level, -15, 8) == Z_OK else {
            self.stream.deallocate()
            throw SystemError(errno: 0, function: "deflateInit2")
        }
    }

    deinit {
        deflateEnd(self.stream)
        self.stream.deallocate()
    }

    package func reset() throws {
        guard deflateReset(self.stream) == Z_OK else { throw SystemError(errno: 0, function: "deflateReset") }
    }

    package func deflate(_ input: UnsafeRawBufferPointer, finish: Bool, emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        self.stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        self.stream.pointee.avail_in = uInt(input.count)
        let capacity = self.output.count
        while true {
            let (status, produced) = self.output.withUnsafeMutableBytes { buffer -> (Int32, Int) in
                self.stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
                self.stream.pointee.avail_out = uInt(capacity)
                let status = CZlib.deflate(self.stream, finish ? Z_FINISH : Z_NO_FLUSH)
                return (status, capacity - Int(self.stream.pointee.avail_out))
            }
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                throw SystemError(errno: status, function: "deflate")
            }
            if produced > 0 { try self.output.withUnsafeBytes { try emit(UnsafeRawBufferPointer(rebasing: $0[..<produced])) } }
            if finish ? status == Z_STREAM_END : (self.stream.pointee.avail_in == 0 && produced < capacity) { break }
        }
    }

    package func crc32(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return UInt32(CZlib.crc32(uLong(crc), base.assumingMemoryBound(to: Bytef.self), uInt(bytes.count)))
    }
}
