/// Everything about a request except its body, copied out of the FastCGI/CGI parameters.
package struct RequestHead: Sendable {
    /// The method as sent; `method` is nil for one Depot does not know.
    package var methodName: String
    package var method: HTTPMethod? { HTTPMethod(rawValue: self.methodName) }
    /// The raw `REQUEST_URI` (path and query, still percent-encoded): path checks use this,
    /// so nginx's normalisation cannot hide a `..`.
    package var requestURI: String
    /// The raw path part of `requestURI`.
    package var rawPath: Substring
    /// The raw query string (after `?`), empty when there is none.
    package var rawQuery: Substring
    /// Decoded query items in order; a malformed escape makes the item's value nil.
    package var query: [(name: String, value: String?)]
    /// Request headers, names lower-cased with `-` (from `HTTP_*`, `CONTENT_TYPE`, `CONTENT_LENGTH`).
    package var headers: [String: String]
    /// `DEPOT_BODY_FILE`: the body nginx wrote to its temp file (offload); nil when the body streams.
    package var bodyFile: String?

    /// Builds a head from CGI/FastCGI parameters.
    /// - Parameter params: the name/value pairs (`REQUEST_METHOD`, `REQUEST_URI`, `HTTP_*`, ...).
    package init(params: [String: String]) {
        var builder = RequestHeadBuilder()
        for (name, value) in params { builder.add(name: name, value: value) }
        self = builder.build()
    }

    package init(methodName: String, requestURI: String, headers: [String: String], bodyFile: String?) {
        self.methodName = methodName
        self.requestURI = requestURI
        if let mark = requestURI.utf8.firstIndex(of: UInt8(ascii: "?")) {
            self.rawPath = requestURI[..<mark]
            self.rawQuery = requestURI[requestURI.utf8.index(after: mark)...]
        } else {
            self.rawPath = requestURI[...]
            self.rawQuery = ""
        }
        self.query = RequestHead.parseQuery(self.rawQuery)
        self.headers = headers
        self.bodyFile = bodyFile
    }

    /// The first decoded value of a query parameter.
    package func queryValue(_ name: String) -> String? {
        self.query.first { $0.name == name }?.value
    }

    /// The declared body length, nil when absent or not a number.
    package var contentLength: Int? {
        self.headers["content-length"].flatMap { Int($0) }
    }

    private static func parseQuery(_ raw: Substring) -> [(name: String, value: String?)] {
        guard !raw.isEmpty else { return [] }
        return raw.split(separator: "&", omittingEmptySubsequences: true).compactMap { item in
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentEncoding.decode(pair[0], plusAsSpace: true) else { return nil }
            let value = pair.count > 1 ? PercentEncoding.decode(pair[1], plusAsSpace: true) : ""
            return (name, value)
        }
    }
}
