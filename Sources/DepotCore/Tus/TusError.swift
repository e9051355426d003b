/// Why a tus request is refused, with the status the contract gives it: by its headers
/// (`TusHeaders`) or against the upload's state (`TusUploadState`).
package struct TusError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Kind: Sendable, Equatable {
        /// 400: a malformed or contradictory header; a deferred length set twice or below the offset.
        case invalid
        /// 403: a PATCH on a final concatenation.
        case forbidden
        /// 409: `Upload-Offset` is not the upload's offset.
        case offsetMismatch
        /// 412: `Tus-Resumable` is not 1.0.0 (the answer carries `Tus-Version`).
        case unsupportedVersion
        /// 413: a length over the maximum, or bytes past the length.
        case tooLarge
        /// 415: a PATCH without `Content-Type: application/offset+octet-stream`.
        case wrongContentType
    }

    package var kind: Kind
    package var reason: String

    package init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    package var status: Int {
        switch self.kind {
        case .invalid: 400
        case .forbidden: 403
        case .offsetMismatch: 409
        case .unsupportedVersion: 412
        case .tooLarge: 413
        case .wrongContentType: 415
        }
    }

    package var description: String { self.reason }
}
