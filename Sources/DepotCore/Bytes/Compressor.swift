/// Compresses a whole buffer into the zlib format (RFC 1950); implemented over zlib in DepotSystem.
package protocol Compressor: Sendable {
    func zlibCompress(_ bytes: [UInt8], level: Int32) throws -> [UInt8]
    /// The CRC-32 of `bytes` (ISO 3309, as PNG chunks and zip entries carry it).
    func crc32(_ bytes: [UInt8]) -> UInt32
}
