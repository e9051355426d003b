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

/// Decides every hop of a server-side fetch; the transport only carries its decisions out.
package struct FetchPolicy: Sendable {
    package var allowPrivate = false
    /// Networks allowed even though not public (closed networks, tests).
    package var allowNetworks: [IPAddress.Network] = []
    package var maxRedirects = 5
    package var maxBytes: Int64 = 20 << 20
    package var connectTimeout: Double = 5
    package var totalTimeout: Double = 30

    package init() {}

    /// Checks a URL before it is requested: http(s) only, a host, no userinfo.
    package func check(url text: String) -> Result<URL, FetchRefusal> {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased() else { return .failure(.badURL) }
        guard scheme == "http" || scheme == "https" else { return .failure(.scheme(scheme)) }
        guard let host = url.host, !host.isEmpty else { return .failure(.badURL) }
        guard url.user == nil && url.password == nil else { return .failure(.credentialsInURL) }
        return .success(url)
    }

    /// Judges the address a connection is about to be made to (called at connect time, so DNS
    /// rebinding cannot slip a different answer past an earlier check).
    package func allows(_ address: IPAddress) -> Bool {
        self.allowPrivate || address.isPublic || self.allowNetworks.contains { $0.contains(address) }
    }

    /// Judges a declared Content-Length (the cap is inclusive).
    package func allows(contentLength: Int64) -> Bool { contentLength <= self.maxBytes }
}

/// The redirect chain of one fetch: at most `maxRedirects`, no URL twice, each target re-checked.
package struct RedirectState: Sendable {
    private var visited: Set<String>
    package private(set) var count = 0
    package private(set) var current: URL
    private let policy: FetchPolicy

    package init(start: URL, policy: FetchPolicy) {
        self.current = start
        self.visited = [start.absoluteString]
        self.policy = policy
    }

    /// Follows a `Location` (absolute or relative).
    package mutating func follow(location: String?) -> Result<URL, FetchRefusal> {
        guard let location, !location.isEmpty, let next = URL(string: location, relativeTo: self.current)?.absoluteURL else {
            return .failure(.badRedirect)
        }
        self.count += 1
        guard self.count <= self.policy.maxRedirects else { return .failure(.tooManyRedirects) }
        switch self.policy.check(url: next.absoluteString) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let checked):
            guard self.visited.insert(checked.absoluteString).inserted else { return .failure(.redirectLoop) }
            self.current = checked
            return .success(checked)
        }
    }
}

/// A URL fit for a log line: no userinfo, no query (tokens live there), no fragment.
package func redactedURL(_ text: String) -> String {
    guard var components = URLComponents(string: text) else { return "<unparsable URL>" }
    components.user = nil
    components.password = nil
    if components.query != nil { components.query = "…" }
    components.fragment = nil
    return components.string ?? "<unparsable URL>"
}
