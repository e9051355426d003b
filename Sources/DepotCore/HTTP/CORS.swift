/// Cross-origin access for browser clients on other origins (`http.cors_origins`): which requests
/// get `Access-Control-*` headers, and the answer to a preflight. Without configured origins it
/// adds nothing.
package struct CORS: Sendable {
    /// Allowed origins as the browser sends them (`https://shop.example`), or `*`.
    package let origins: [String]

    package init(origins: [String]) { self.origins = origins }

    /// The headers a browser client may read: the tus headers and `Location`.
    package static let exposedHeaders =
        "Location, Tus-Resumable, Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm, Upload-Offset, Upload-Length,"
        + " Upload-Defer-Length, Upload-Metadata, Upload-Expires, Upload-Concat, Content-Disposition"
    /// The request headers a browser client may send.
    package static let allowedHeaders =
        "Authorization, Content-Type, Tus-Resumable, Upload-Offset, Upload-Length, Upload-Defer-Length, Upload-Metadata, Upload-Checksum,"
        + " Upload-Concat, X-HTTP-Method-Override, X-Requested-With"
    package static let allowedMethods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"

    /// The request's origin when it may call `/api/` (nil: no CORS headers).
    package func allowedOrigin(_ head: RequestHead) -> String? {
        guard !self.origins.isEmpty, head.rawPath.hasPrefix("/api/"), let origin = head.headers["origin"], !origin.isEmpty else { return nil }
        if self.origins.contains("*") { return "*" }
        return self.origins.contains(origin) ? origin : nil
    }

    /// An OPTIONS request from a browser asking whether it may send the real one.
    package func isPreflight(_ head: RequestHead) -> Bool {
        head.methodName == "OPTIONS" && head.headers["access-control-request-method"] != nil && self.allowedOrigin(head) != nil
    }

    /// Headers for every answer to an allowed origin.
    package func responseHeaders(_ head: RequestHead) -> [(String, String)] {
        guard let origin = self.allowedOrigin(head) else { return [] }
        var headers = [("Access-Control-Allow-Origin", origin), ("Access-Control-Expose-Headers", Self.exposedHeaders)]
        if origin != "*" { headers.append(("Vary", "Origin")) }
        return headers
    }

    /// The extra headers of a preflight's 204 (the response headers come on top).
    package func preflightHeaders(_ head: RequestHead) -> [(String, String)] {
        [
            ("Access-Control-Allow-Methods", Self.allowedMethods), ("Access-Control-Allow-Headers", Self.allowedHeaders),
            ("Access-Control-Max-Age", "86400"),
        ]
    }
}
