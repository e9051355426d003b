/// The contract's error codes (API.md, "Conventions"), each with its HTTP status.
///
/// This is the one place where a code meets a status: everything else names a code.
package enum ErrorCode: Int, Sendable, CaseIterable {
    case ok = 0
    case paramsInvalid = 40000
    case parserFailed = 40001
    case unauthorized = 40100
    case forbidden = 40300
    case notFound = 40400
    case methodNotAllowed = 40500
    case conflict = 40900
    case gone = 41000
    case preconditionFailed = 41200
    case payloadTooLarge = 41300
    case unsupportedMedia = 41500
    case locked = 42300
    case checksumMismatch = 46000
    case internalError = 50000
    case unavailable = 50300
    case insufficientStorage = 50700
    case downloadFailed = 53003

    /// The HTTP status that goes with the code.
    package var httpStatus: Int {
        switch self {
        case .ok: 200
        case .paramsInvalid, .parserFailed: 400
        case .unauthorized: 401
        case .forbidden: 403
        case .notFound: 404
        case .methodNotAllowed: 405
        case .conflict: 409
        case .gone: 410
        case .preconditionFailed: 412
        case .payloadTooLarge: 413
        case .unsupportedMedia: 415
        case .locked: 423
        case .checksumMismatch: 460
        case .internalError: 500
        case .unavailable: 503
        case .insufficientStorage: 507
        case .downloadFailed: 502
        }
    }

    /// A human sentence used when the thrower gives none.
    package var defaultMessage: String {
        switch self {
        case .ok: "ok"
        case .paramsInvalid: "invalid parameters"
        case .parserFailed: "the request body could not be parsed"
        case .unauthorized: "authorization required"
        case .forbidden: "forbidden"
        case .notFound: "not found"
        case .methodNotAllowed: "method not allowed"
        case .conflict: "a file with that name already exists"
        case .gone: "the upload expired"
        case .preconditionFailed: "unsupported Tus-Resumable version"
        case .payloadTooLarge: "payload too large"
        case .unsupportedMedia: "unsupported media type"
        case .locked: "another PATCH of this upload is in flight"
        case .checksumMismatch: "the chunk does not match its Upload-Checksum"
        case .internalError: "internal error"
        case .unavailable: "the database cannot be reached; retry later"
        case .insufficientStorage: "insufficient storage"
        case .downloadFailed: "download failed"
        }
    }
}
