import Foundation

/// Why a remote fetch was refused or failed (for the log; the client only sees code 53003).
package enum FetchRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    case badURL
    case scheme(String)
    case credentialsInURL
    case addressDenied(String)
    case tooManyRedirects
    case redirectLoop
    case badRedirect
    case tooLarge(Int64)
    case status(Int)
    case timeout
    case transport(String)
    case notAnImage

    package var description: String {
        switch self {
        case .badURL: "the URL is malformed"
        case .scheme(let scheme): "scheme '\(scheme)' is not http or https"
        case .credentialsInURL: "credentials in URLs are refused"
        case .addressDenied(let address): "address \(address) is not public"
        case .tooManyRedirects: "more than 5 redirects"
        case .redirectLoop: "redirect loop"
        case .badRedirect: "a redirect without a usable Location"
        case .tooLarge(let limit): "the body is larger than \(limit) bytes"
        case .status(let code): "HTTP status \(code)"
        case .timeout: "timed out"
        case .transport(let message): message
        case .notAnImage: "the body is not an image"
        }
    }
}
