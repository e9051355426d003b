import Foundation

/// `Upload-Checksum: <algorithm> <base64 digest>` of one PATCH body.
package struct TusChecksum: Sendable, Equatable {
    package enum Algorithm: String, Sendable, CaseIterable {
        case sha1, sha256, md5

        /// Digest length in bytes.
        package var size: Int {
            switch self {
            case .sha1: 20
            case .sha256: 32
            case .md5: 16
            }
        }
    }

    package var algorithm: Algorithm
    package var digest: [UInt8]

    package init(algorithm: Algorithm, digest: [UInt8]) {
        self.algorithm = algorithm
        self.digest = digest
    }

    /// - Throws: `invalid` for an unknown algorithm, a digest that is not base64, or one of the
    ///   wrong length for its algorithm.
    package static func parse(_ header: String) throws(TusError) -> TusChecksum {
        let parts = header.trimmingCharacters(in: [" "]).split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2 else { throw TusError(.invalid, "Upload-Checksum must be '<algorithm> <base64 digest>'") }
        guard let algorithm = Algorithm(rawValue: String(parts[0])) else {
            throw TusError(.invalid, "Upload-Checksum algorithm '\(parts[0].prefix(20))' is not supported (sha1, sha256, md5 are)")
        }
        guard let digest = Base64.decode(String(parts[1])), digest.count == algorithm.size else {
            throw TusError(.invalid, "the Upload-Checksum digest is not a base64 \(algorithm.rawValue) digest")
        }
        return TusChecksum(algorithm: algorithm, digest: digest)
    }
}
