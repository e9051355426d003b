/// What the router decided for a request.
package enum RouteMatch<Handler> {
    /// A route matched; `parameters` are the raw (percent-encoded) path parameters.
    case matched(Handler, pattern: RoutePattern, parameters: [String: Substring])
    /// The path exists but not for this method; `allowed` goes into the `Allow` header.
    case methodNotAllowed(allowed: [HTTPMethod])
    case notFound
}
