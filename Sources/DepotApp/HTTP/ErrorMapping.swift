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
        case let system as SystemError where system.isNoSpace:
            return (APIError(.insufficientStorage, "the storage is full"), system.description)
        case let sqlite as SQLiteError where sqlite.isFull:
            return (APIError(.insufficientStorage, "the storage is full"), sqlite.description)
        default:
            return (APIError(.internalError), String(describing: error))
        }
    }
}
