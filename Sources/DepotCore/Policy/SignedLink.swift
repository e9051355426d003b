import Foundation

/// Signed, expiring download links: `?expires=<unix seconds>&sig=<hex HMAC-SHA256>` over
/// `GET\n<path>\n<expires>`. HEAD is judged as GET (it reads the same thing).
package struct SignedLink: Sendable {
    package typealias MAC = @Sendable (_ key: [UInt8], _ message: [UInt8]) -> [UInt8]

    package enum Verdict: Sendable, Equatable {
        case valid
        case expired
        case badSignature
    }

    private let key: [UInt8]
    private let mac: MAC

    /// - Parameters:
    ///   - key: `auth.signing_key`.
    ///   - mac: HMAC-SHA256 (libcrypto's, injected: Core does not link C).
    package init(key: String, mac: @escaping MAC) {
        self.key = Array(key.utf8)
        self.mac = mac
    }

    package static func message(path: String, expires: Int64) -> [UInt8] {
        Array("GET\n\(path)\n\(expires)".utf8)
    }

    /// The query string (without `?`) that signs `path` until `expires`.
    package func query(path: String, expires: Int64) -> String {
        "expires=\(expires)&sig=\(SignedLink.hex(self.mac(self.key, SignedLink.message(path: path, expires: expires))))"
    }

    /// Judges a presented signature; the comparison takes the same time wherever it differs.
    package func verify(path: String, expires: String, signature: String, now: Date) -> Verdict {
        guard let expiry = Int64(expires) else { return .badSignature }
        let expected = SignedLink.hex(self.mac(self.key, SignedLink.message(path: path, expires: expiry)))
        guard ConstantTime.equals(Array(expected.utf8), Array(signature.lowercased().utf8)) else { return .badSignature }
        return Double(expiry) > now.timeIntervalSince1970 ? .valid : .expired
    }

    package static func hex(_ bytes: [UInt8]) -> String { Hex.lowercase(bytes) }
}
