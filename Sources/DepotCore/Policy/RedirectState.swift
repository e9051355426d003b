import Foundation

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
