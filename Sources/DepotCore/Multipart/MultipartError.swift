/// Why a multipart body was refused. Each limit has its own case so the client learns which one.
package struct MultipartError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Kind: Sendable, Equatable {
        // Syntax (400 PARSER_FAILED)
        case missingBoundary
        case malformedBoundaryLine
        case malformedHeader
        case missingContentDisposition
        case truncated
        // Counts (400 PARAMS_INVALID)
        case tooManyParts
        case headerBlockTooLarge
        case preambleTooLarge
        // Sizes (413 PAYLOAD_TOO_LARGE)
        case tooManyFiles
        case fieldTooLarge
        case fileTooLarge
        case requestTooLarge
    }

    package var kind: Kind
    package var reason: String

    package init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    package var description: String { self.reason }

    package static func == (lhs: MultipartError, rhs: MultipartError) -> Bool { lhs.kind == rhs.kind }
}
