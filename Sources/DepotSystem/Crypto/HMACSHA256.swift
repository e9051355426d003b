internal import CCrypto

/// HMAC-SHA256 through libcrypto (RFC 2104, with SHA-256).
package enum HMACSHA256 {
    /// - Returns: the 32-byte MAC of `message` under `key`.
    package static func mac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        key.withUnsafeBytes { keyBytes in
            message.withUnsafeBytes { messageBytes in
                _ = HMAC(
                    EVP_sha256(), keyBytes.baseAddress, Int32(key.count), messageBytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
                    message.count, &output, &length)
            }
        }
        return Array(output.prefix(Int(length)))
    }
}
