import DepotCore
import DepotSystem

/// The one place where any error becomes the contract's code, message and HTTP status.
package enum ErrorMapping {
    /// - Returns: the client-facing error, and a detail for the log when the error is unexpected
    ///   (its text is never sent to the client).
    package static func map(_ error: any Error) -> (error: APIError, logDetail: String?) {
        switch error {
        case let convertible as any APIErrorConvertible:
            return (convertible.apiError, nil)
        case let transport as TransportError:
            switch transport {
            case .truncated: return (APIError(.parserFailed, "the request body ended before its declared length"), nil)
            case .peerGone: return (APIError(.parserFailed, "the connection was closed mid-request"), "peer gone")
            }
        case let multipart as MultipartError:
            switch multipart.kind {
            case .missingBoundary, .malformedBoundaryLine, .malformedHeader, .missingContentDisposition, .truncated:
                return (APIError(.parserFailed, multipart.reason), nil)
            case .tooManyParts, .headerBlockTooLarge, .preambleTooLarge:
                return (APIError(.paramsInvalid, multipart.reason), nil)
            case .tooManyFiles, .fieldTooLarge, .fileTooLarge, .requestTooLarge:
                return (APIError(.payloadTooLarge, multipart.reason), nil)
            }
        case let store as StoreError:
            switch store {
            case .exists(let path):
                return (APIError(.conflict, "a file named '\(lastComponent(path))' already exists; add overwrite=1 to replace it"), nil)
            case .unsafePath(let path):
                return (APIError(.paramsInvalid, "the stored name '\(path.prefix(200))' is not allowed"), nil)
            case .system(let system):
                return map(system)
            }
        case let tus as TusError:
            let code: ErrorCode =
                switch tus.kind {
                case .invalid: .paramsInvalid
                case .forbidden: .forbidden
                case .offsetMismatch: .conflict
                case .unsupportedVersion: .preconditionFailed
                case .tooLarge: .payloadTooLarge
                case .wrongContentType: .unsupportedMedia
                }
            return (APIError(code, tus.reason), nil)
        case let qr as QRCode.EncodeError:
            switch qr {
            case .tooLong(let maximum):
                return (APIError(.paramsInvalid, "the text is longer than a QR code holds at this error-correction level (\(maximum) bytes)"), nil)
            }
        case let system as SystemError where system.isNoSpace:
            return (APIError(.insufficientStorage, "the storage is full"), system.description)
        case let postgres as PostgresError:
            if postgres.isUnavailable { return (APIError(.unavailable), postgres.description) }
            if postgres.isUniqueViolation { return (APIError(.conflict, "that name was just taken by another request"), postgres.description) }
            if postgres.isDiskFull { return (APIError(.insufficientStorage, "the database is full"), postgres.description) }
            return (APIError(.internalError), postgres.description)
        case let sqlite as SQLiteError where sqlite.isFull:
            return (APIError(.insufficientStorage, "the storage is full"), sqlite.description)
        default:
            return (APIError(.internalError), String(describing: error))
        }
    }

    private static func lastComponent(_ path: String) -> Substring {
        path.split(separator: "/", omittingEmptySubsequences: true).last ?? Substring(path)
    }
}
