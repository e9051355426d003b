internal import CCrypto
import DepotCore

/// SHA-256 whose state can be saved and taken up again in another request, process or node:
/// libcrypto's `SHA256_CTX`, copied out as bytes. The bytes are tagged with the library's version
/// and the context's size; a saved state whose tag differs (another OpenSSL on another node, or
/// after an upgrade) is refused, and the caller hashes the file again instead. Freed in deinit.
package final class ResumableSHA256: IncrementalHash {
    private let context: UnsafeMutablePointer<SHA256_CTX>

    /// What a saved state must carry to be taken up again here.
    package static let stateTag = "openssl-\(String(OpenSSL_version_num(), radix: 16))-ctx\(MemoryLayout<SHA256_CTX>.size)"

    package init() {
        self.context = .allocate(capacity: 1)
        SHA256_Init(self.context)
    }

    /// Takes up a saved state; nil when it was saved by another library version or is malformed.
    package convenience init?(state: [UInt8], tag: String) {
        guard tag == Self.stateTag, state.count == MemoryLayout<SHA256_CTX>.size else { return nil }
        self.init()
        state.withUnsafeBytes { UnsafeMutableRawPointer(self.context).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    deinit { self.context.deallocate() }

    /// The state as bytes, to be saved with the offset it covers.
    package var state: [UInt8] {
        [UInt8](UnsafeRawBufferPointer(start: self.context, count: MemoryLayout<SHA256_CTX>.size))
    }

    package func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        SHA256_Update(self.context, base, bytes.count)
    }

    /// The digest so far; the state is unchanged, so hashing may go on.
    package func finalizeHex() -> String { self.hex() }

    /// Takes over another hasher's state.
    package func copy(from other: ResumableSHA256) {
        self.context.pointee = other.context.pointee
    }

    /// The digest of everything so far, as lower-case hex. The state is unchanged (a copy is finished).
    package func hex() -> String {
        var copy = self.context.pointee
        var digest = [UInt8](repeating: 0, count: 32)
        SHA256_Final(&digest, &copy)
        return Hex.lowercase(digest[...])
    }
}

/// One request body's digest for a tus `Upload-Checksum` (sha1, sha256 or md5), through EVP.
package final class ChunkDigest {
    private let context: OpaquePointer

    /// - Parameter algorithm: `sha1`, `sha256` or `md5`; nil for any other name.
    package init?(algorithm: String) {
        let md: OpaquePointer?
        switch algorithm {
        case "sha1": md = EVP_sha1()
        case "sha256": md = EVP_sha256()
        case "md5": md = EVP_md5()
        default: return nil
        }
        guard let md, let context = EVP_MD_CTX_new() else { return nil }
        self.context = context
        EVP_DigestInit_ex(context, md, nil)
    }

    deinit { EVP_MD_CTX_free(self.context) }

    package func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        EVP_DigestUpdate(self.context, base, bytes.count)
    }

    /// The digest; the object must not be used afterwards.
    package func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 64)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(self.context, &digest, &length)
        return Array(digest.prefix(Int(length)))
    }
}
