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

    fileprivate init(methodName: String, requestURI: String, headers: [String: String], bodyFile: String?) {
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

/// Collects a `RequestHead` from parameters one pair at a time, straight from their bytes, keeping
/// only what Depot reads: a request pays for a handful of strings, not one per parameter.
package struct RequestHeadBuilder {
    private var methodName = "GET"
    private var requestURI = ""
    private var scriptName = ""
    private var pathInfo = ""
    private var queryString = ""
    private var bodyFile: String?
    private var headers: [String: String] = [:]

    package init() {}

    /// Adds one parameter given as raw bytes (libfcgi's `NAME=value` entries, split at the first `=`).
    package mutating func add(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        func text() -> String { String(decoding: value, as: UTF8.self) }
        if name.starts(with: RequestHeadBuilder.httpPrefix) {
            self.headers[RequestHeadBuilder.headerName(fromParam: name)] = text()
            return
        }
        switch name.count {
        case 9 where name.elementsEqual("PATH_INFO".utf8): self.pathInfo = text()
        case 11 where name.elementsEqual("REQUEST_URI".utf8): self.requestURI = text()
        case 11 where name.elementsEqual("SCRIPT_NAME".utf8): self.scriptName = text()
        case 12 where name.elementsEqual("QUERY_STRING".utf8): self.queryString = text()
        case 12 where name.elementsEqual("CONTENT_TYPE".utf8):
            if !value.isEmpty { self.headers["content-type"] = text() }
        case 14 where name.elementsEqual("REQUEST_METHOD".utf8): self.methodName = text()
        case 14 where name.elementsEqual("CONTENT_LENGTH".utf8):
            if !value.isEmpty { self.headers["content-length"] = text() }
        case 15 where name.elementsEqual("DEPOT_BODY_FILE".utf8):
            if !value.isEmpty { self.bodyFile = text() }
        default: break
        }
    }

    /// Adds one parameter given as strings (a CGI environment).
    package mutating func add(name: String, value: String) {
        var name = name
        var value = value
        name.withUTF8 { nameBytes in
            value.withUTF8 { valueBytes in
                self.add(name: UnsafeRawBufferPointer(nameBytes), value: UnsafeRawBufferPointer(valueBytes))
            }
        }
    }

    /// The head, with the CGI fallback for servers that send no `REQUEST_URI`.
    package func build() -> RequestHead {
        var uri = self.requestURI
        if uri.isEmpty {
            // Plain CGI servers may send only SCRIPT_NAME/PATH_INFO/QUERY_STRING.
            uri = self.scriptName + self.pathInfo
            if !self.queryString.isEmpty { uri += "?" + self.queryString }
        }
        return RequestHead(methodName: self.methodName, requestURI: uri, headers: self.headers, bodyFile: self.bodyFile)
    }

    private static let httpPrefix = Array("HTTP_".utf8)

    /// `HTTP_X_FORWARDED_FOR` → `x-forwarded-for`.
    static func headerName(fromParam name: UnsafeRawBufferPointer) -> String {
        let count = name.count - 5
        return String(unsafeUninitializedCapacity: count) { out in
            for index in 0..<count {
                let byte = name[index + 5]
                switch byte {
                case UInt8(ascii: "_"): out[index] = UInt8(ascii: "-")
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): out[index] = byte + 32
                default: out[index] = byte
                }
            }
            return count
        }
    }
}
