/// What the router decided for a request.
package enum RouteMatch<Handler> {
    /// A route matched; `parameters` are the raw (percent-encoded) path parameters.
    case matched(Handler, pattern: RoutePattern, parameters: [String: Substring])
    /// The path exists but not for this method; `allowed` goes into the `Allow` header.
    case methodNotAllowed(allowed: [HTTPMethod])
    case notFound
}

/// A method + path-pattern table. Routes are tried in the order they were added.
package struct Router<Handler> {
    package struct Route {
        package let method: HTTPMethod
        package let pattern: RoutePattern
        package let handler: Handler
    }

    package private(set) var routes: [Route] = []

    package init() {}

    /// Adds a route.
    package mutating func add(_ method: HTTPMethod, _ pattern: String, _ handler: Handler) {
        self.routes.append(Route(method: method, pattern: RoutePattern(pattern), handler: handler))
    }

    /// Finds the route for a method name and a raw path. HEAD falls back to GET (no body is sent).
    package func match(methodName: String, rawPath: Substring) -> RouteMatch<Handler> {
        let segments = rawPath.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        // A trailing slash or an empty segment never matches a pattern segment.
        guard rawPath.hasPrefix("/"), !segments.contains(where: \.isEmpty) else { return .notFound }
        let path = Array(segments)
        var allowed: Set<HTTPMethod> = []
        let method = HTTPMethod(rawValue: methodName)
        var getFallback: (Route, [String: Substring])?
        for route in self.routes {
            guard let parameters = route.pattern.match(path) else { continue }
            if route.method == method {
                return .matched(route.handler, pattern: route.pattern, parameters: parameters)
            }
            if method == .head && route.method == .get && getFallback == nil {
                getFallback = (route, parameters)
            }
            allowed.insert(route.method)
            if route.method == .get { allowed.insert(.head) }
        }
        if let (route, parameters) = getFallback {
            return .matched(route.handler, pattern: route.pattern, parameters: parameters)
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed.sorted())
    }
}

extension Router: Sendable where Handler: Sendable {}
extension Router.Route: Sendable where Handler: Sendable {}
