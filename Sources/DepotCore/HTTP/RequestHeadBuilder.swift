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
