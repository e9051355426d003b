/// A method + path-pattern table. Routes are tried in the order they were added.
///
/// Methods and patterns live apart from the handlers so that matching, which runs for every request,
/// touches only concrete types: no handler is copied until one has won.
package struct Router<Handler> {
    private var methods: [HTTPMethod] = []
    private var patterns: [RoutePattern] = []
    private var handlers: [Handler] = []

    package init() {}

    /// Adds a route.
    package mutating func add(_ method: HTTPMethod, _ pattern: String, _ handler: Handler) {
        self.methods.append(method)
        self.patterns.append(RoutePattern(pattern))
        self.handlers.append(handler)
    }

    /// Finds the route for a method name and a raw path. HEAD falls back to GET (no body is sent).
    package func match(methodName: String, rawPath: Substring) -> RouteMatch<Handler> {
        guard let path = RoutePattern.segments(ofRawPath: rawPath) else { return .notFound }
        guard let found = Router.find(methods: self.methods, patterns: self.patterns, methodName: methodName, path: path) else {
            return .notFound
        }
        switch found {
        case .route(let index):
            let pattern = self.patterns[index]
            return .matched(self.handlers[index], pattern: pattern, parameters: pattern.match(path) ?? [:])
        case .methodNotAllowed(let allowed):
            return .methodNotAllowed(allowed: allowed)
        }
    }

    private enum Found {
        case route(Int)
        case methodNotAllowed([HTTPMethod])
    }

    private static func find(methods: [HTTPMethod], patterns: [RoutePattern], methodName: String, path: [Substring]) -> Found? {
        let method = HTTPMethod(rawValue: methodName)
        var allowed: Set<HTTPMethod> = []
        var getFallback: Int?
        for index in patterns.indices where patterns[index].matches(path) {
            let routeMethod = methods[index]
            if routeMethod == method { return .route(index) }
            if method == .head && routeMethod == .get && getFallback == nil { getFallback = index }
            allowed.insert(routeMethod)
            if routeMethod == .get { allowed.insert(.head) }
        }
        if let getFallback { return .route(getFallback) }
        return allowed.isEmpty ? nil : .methodNotAllowed(allowed.sorted())
    }
}

extension Router: Sendable where Handler: Sendable {}
