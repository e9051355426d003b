internal import CZlib
import DepotCore

/// zlib's compress2: a whole buffer into the zlib format.
package struct ZlibCompressor: Compressor {
    package init() {}

    package func zlibCompress(_ bytes: [UInt8], level: Int32) throws -> [UInt8] {
        var length = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(length))
        let status = out.withUnsafeMutableBufferPointer { target in
            bytes.withUnsafeBufferPointer { source in
                compress2(target.baseAddress, &length, source.baseAddress, uLong(bytes.count), level)
            }
        }
        guard status == Z_OK else { throw SystemError(errno: status, function: "compress2") }
        return Array(out.prefix(Int(length)))
    }

    package func crc32(_ bytes: [UInt8]) -> UInt32 {
        UInt32(bytes.withUnsafeBufferPointer { CZlib.crc32(0, $0.baseAddress, uInt($0.count)) })
    }
}
