internal import CCrypto
import DepotCore

/// Incremental SHA-256 through libcrypto's EVP interface (its assembly is as fast as this CPU allows).
package final class SHA256Hasher: IncrementalHash {
    private let context: OpaquePointer

    package init() {
        self.context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(self.context, EVP_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(self.context) }

    package func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        EVP_DigestUpdate(self.context, base, bytes.count)
    }

    /// The digest as lower-case hex; the hasher must not be used afterwards.
    package func finalizeHex() -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(self.context, &digest, &length)
        return Hex.lowercase(digest.prefix(Int(length)))
    }
}

/// A hash fed in pieces (what `HashPipeline` runs on its thread).
package protocol IncrementalHash: AnyObject {
    func update(_ bytes: UnsafeRawBufferPointer)
    /// The digest of everything fed so far, as lower-case hex.
    func finalizeHex() -> String
}
