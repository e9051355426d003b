import Foundation

/// The tus 1.0.0 request headers (tus.io "Resumable Upload Protocol 1.0.0"), parsed and checked
/// without I/O: versions, lengths and offsets, metadata, concatenation and checksums. Header names
/// are looked up lower-cased, as `RequestHead` stores them.
package enum TusHeaders {
    package static let version = "1.0.0"
    package static let extensions = "creation,creation-with-upload,creation-defer-length,expiration,checksum,termination,concatenation"
    package static let checksumAlgorithms = "sha1,sha256,md5"
    package static let offsetContentType = "application/offset+octet-stream"
    /// The most bytes of `Upload-Metadata` a request may carry.
    package static let maxMetadataBytes = 4096

    /// The method the request means: `X-HTTP-Method-Override` wins (clients behind proxies that
    /// only pass GET and POST send PATCH and DELETE this way).
    package static func method(_ method: String, headers: [String: String]) -> String {
        guard let override = headers["x-http-method-override"]?.trimmingCharacters(in: .whitespaces), !override.isEmpty else {
            return method
        }
        return override.uppercased()
    }

    /// Every request but OPTIONS must say `Tus-Resumable: 1.0.0`.
    /// - Throws: `unsupportedVersion` (412) for a missing or other version.
    package static func checkVersion(_ headers: [String: String]) throws(TusError) {
        guard let value = headers["tus-resumable"] else { throw TusError(.unsupportedVersion, "Tus-Resumable: 1.0.0 is required") }
        guard value.trimmingCharacters(in: .whitespaces) == version else {
            throw TusError(.unsupportedVersion, "Tus-Resumable \(value.prefix(20)) is not supported (1.0.0 is)")
        }
    }

    /// A non-negative decimal integer as tus writes lengths and offsets: digits only (no sign, no
    /// spaces inside, no hex), at most 18 digits so it always fits an Int64.
    /// - Returns: nil when absent. - Throws: `invalid` when present but malformed.
    package static func integer(_ name: String, _ headers: [String: String]) throws(TusError) -> Int64? {
        guard let raw = headers[name] else { return nil }
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard (1...18).contains(text.utf8.count), text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let value = Int64(text) else {
            throw TusError(.invalid, "\(name) must be a whole number of bytes")
        }
        return value
    }

    /// What a creation request (POST) asks for.
    package struct Creation: Sendable, Equatable {
        /// nil when deferred (`Upload-Defer-Length: 1`) or for a final concatenation.
        package var length: Int64?
        package var deferLength: Bool
        package var metadata: TusMetadata
        package var concat: TusConcat?
    }

    /// Parses a creation request's headers.
    /// - Parameter maximum: `limits.max_file_size`; a larger `Upload-Length` is the caller's 413.
    /// - Throws: `invalid` for a missing or malformed length, both a length and a deferral, a
    ///   deferral other than `1`, bad metadata or a bad `Upload-Concat`.
    package static func creation(_ headers: [String: String]) throws(TusError) -> Creation {
        let length = try integer("upload-length", headers)
        var deferLength = false
        if let raw = headers["upload-defer-length"] {
            guard raw.trimmingCharacters(in: .whitespaces) == "1" else { throw TusError(.invalid, "Upload-Defer-Length must be 1") }
            deferLength = true
        }
        let metadata = try TusMetadata.parse(headers["upload-metadata"])
        let concat = try headers["upload-concat"].map { (raw) throws(TusError) in try TusConcat.parse(raw) }
        if case .final? = concat {
            guard length == nil, !deferLength else {
                throw TusError(.invalid, "a final concatenation takes its length from its parts (no Upload-Length)")
            }
            return Creation(length: nil, deferLength: false, metadata: metadata, concat: concat)
        }
        switch (length, deferLength) {
        case (nil, false): throw TusError(.invalid, "Upload-Length or Upload-Defer-Length: 1 is required")
        case (.some, true): throw TusError(.invalid, "Upload-Length and Upload-Defer-Length together")
        default: break
        }
        return Creation(length: length, deferLength: deferLength, metadata: metadata, concat: concat)
    }

    /// What a PATCH says about itself.
    package struct Patch: Sendable, Equatable {
        package var offset: Int64
        /// A deferred length being declared now.
        package var length: Int64?
        package var checksum: TusChecksum?

        package init(offset: Int64, length: Int64?, checksum: TusChecksum?) {
            self.offset = offset
            self.length = length
            self.checksum = checksum
        }
    }

    /// Parses a PATCH request's headers.
    /// - Throws: `wrongContentType` (415) without the offset content type; `invalid` (400) for a
    ///   missing or malformed `Upload-Offset`, `Upload-Length` or `Upload-Checksum`.
    package static func patch(_ headers: [String: String]) throws(TusError) -> Patch {
        let contentType = headers["content-type"].map { $0.split(separator: ";").first.map(String.init) ?? $0 }?
            .trimmingCharacters(in: .whitespaces).lowercased()
        guard contentType == offsetContentType else {
            throw TusError(.wrongContentType, "a PATCH body must be Content-Type: \(offsetContentType)")
        }
        guard let offset = try integer("upload-offset", headers) else { throw TusError(.invalid, "Upload-Offset is required") }
        let length = try integer("upload-length", headers)
        let checksum = try headers["upload-checksum"].map { (raw) throws(TusError) in try TusChecksum.parse(raw) }
        return Patch(offset: offset, length: length, checksum: checksum)
    }
}
