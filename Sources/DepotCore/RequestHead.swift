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
    /// Every parameter as received.
    package var params: [String: String]

    /// Builds a head from CGI/FastCGI parameters.
    /// - Parameter params: the name/value pairs (`REQUEST_METHOD`, `REQUEST_URI`, `HTTP_*`, ...).
    package init(params: [String: String]) {
        self.params = params
        self.methodName = params["REQUEST_METHOD"] ?? "GET"
        var uri = params["REQUEST_URI"] ?? ""
        if uri.isEmpty {
            // Plain CGI servers may send only SCRIPT_NAME/PATH_INFO/QUERY_STRING.
            uri = (params["SCRIPT_NAME"] ?? "") + (params["PATH_INFO"] ?? "")
            if let query = params["QUERY_STRING"], !query.isEmpty { uri += "?" + query }
        }
        self.requestURI = uri
        if let mark = uri.firstIndex(of: "?") {
            self.rawPath = uri[..<mark]
            self.rawQuery = uri[uri.index(after: mark)...]
        } else {
            self.rawPath = uri[...]
            self.rawQuery = ""
        }
        self.query = RequestHead.parseQuery(self.rawQuery)
        var headers: [String: String] = [:]
        for (name, value) in params where name.utf8.starts(with: RequestHead.httpPrefix) {
            headers[RequestHead.headerName(fromParam: name)] = value
        }
        if let type = params["CONTENT_TYPE"], !type.isEmpty { headers["content-type"] = type }
        if let length = params["CONTENT_LENGTH"], !length.isEmpty { headers["content-length"] = length }
        self.headers = headers
    }

    private static let httpPrefix = Array("HTTP_".utf8)

    /// `HTTP_X_FORWARDED_FOR` → `x-forwarded-for`, byte by byte (no Foundation on the hot path).
    static func headerName(fromParam name: String) -> String {
        var bytes = Array(name.utf8.dropFirst(5))
        for index in bytes.indices {
            let byte = bytes[index]
            if byte == UInt8(ascii: "_") {
                bytes[index] = UInt8(ascii: "-")
            } else if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") {
                bytes[index] = byte + 32
            }
        }
        return String(decoding: bytes, as: UTF8.self)
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
