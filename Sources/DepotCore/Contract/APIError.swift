/// An error that carries a contract code, a human message and optional extra response headers.
///
/// Core errors convert into this at the application edge; handlers may throw it directly.
package struct APIError: Error, Sendable, CustomStringConvertible {
    package var code: ErrorCode
    package var message: String
    package var headers: [(String, String)]

    /// - Parameters:
    ///   - code: the contract code (decides the HTTP status).
    ///   - message: the `msg` sent to the client; never internals.
    ///   - headers: extra headers such as `Allow` or `WWW-Authenticate`.
    package init(_ code: ErrorCode, _ message: String? = nil, headers: [(String, String)] = []) {
        self.code = code
        self.message = message ?? code.defaultMessage
        self.headers = headers
    }

    package var description: String { "\(self.code.rawValue) \(self.message)" }
}

/// Anything that knows which contract error it is.
package protocol APIErrorConvertible: Error {
    /// The error as the client sees it.
    var apiError: APIError { get }
}

extension APIError: APIErrorConvertible {
    package var apiError: APIError { self }
}
