import Foundation
import Glibc

/// A parsed CGI-style response: status, headers, body.
public struct FastCGIResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    public var stderr: [UInt8]
    public var appStatus: UInt32
    public var protocolStatus: UInt8

    /// The first value of a header, case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as a JSON object (nil when it is not one).
    public var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }
}

public struct FastCGIClientError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A FastCGI client over a Unix socket: one request per connection, request id 1,
/// closing after FCGI_END_REQUEST as nginx does.
public struct FastCGIClient: Sendable {
    public let socketPath: String
    /// Seconds to wait for the responder before giving up.
    public var timeout: Double = 30

    public init(socketPath: String) { self.socketPath = socketPath }

    /// nginx's `fastcgi_params` for a request (the names nginx sends, in its order).
    public static func nginxParams(method: String, uri: String, body: Int = 0, contentType: String = "", headers: [(String, String)] = []) -> [(String, String)] {
        let path = uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? uri
        let query = uri.contains("?") ? String(uri.split(separator: "?", maxSplits: 1)[1]) : ""
        var params: [(String, String)] = [
            ("QUERY_STRING", query), ("REQUEST_METHOD", method), ("CONTENT_TYPE", contentType),
            ("CONTENT_LENGTH", body > 0 || method == "POST" || method == "PUT" ? String(body) : ""),
            ("SCRIPT_NAME", path), ("REQUEST_URI", uri), ("DOCUMENT_URI", path), ("DOCUMENT_ROOT", "/var/www"),
            ("SERVER_PROTOCOL", "HTTP/1.1"), ("REQUEST_SCHEME", "http"), ("GATEWAY_INTERFACE", "CGI/1.1"),
            ("SERVER_SOFTWARE", "nginx/1.22.1"), ("REMOTE_ADDR", "127.0.0.1"), ("REMOTE_PORT", "50000"),
            ("SERVER_ADDR", "127.0.0.1"), ("SERVER_PORT", "8080"), ("SERVER_NAME", "localhost"),
            ("REDIRECT_STATUS", "200"), ("HTTP_HOST", "localhost:8080"),
        ]
        for (name, value) in headers {
            params.append(("HTTP_" + name.uppercased().replacingOccurrences(of: "-", with: "_"), value))
        }
        return params
    }

    /// Sends one request and reads the whole response.
    public func send(
        method: String = "GET", uri: String, body: [UInt8] = [], contentType: String = "", headers: [(String, String)] = []
    ) throws -> FastCGIResponse {
        let params = Self.nginxParams(method: method, uri: uri, body: body.count, contentType: contentType, headers: headers)
        var bytes = FastCGIRecord.beginRequest()
        bytes += FastCGIRecord.encodeStream(type: .params, bytes: FastCGIRecord.encodePairs(params))
        bytes += FastCGIRecord.encodeStream(type: .stdin, bytes: body)
        let connection = try self.connect()
        defer { close(connection) }
        try Self.writeAll(connection, bytes)
        return try self.readResponse(connection)
    }

    /// Opens a connection (for tests that script the bytes themselves).
    public func connect() throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FastCGIClientError("socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw FastCGIClientError("socket path too long") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw FastCGIClientError("connect \(socketPath): errno \(code)")
        }
        return fd
    }

    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if written < 0 {
                if errno == EINTR { continue }
                throw FastCGIClientError("write: errno \(errno)")
            }
            offset += written
        }
    }

    /// Reads records until FCGI_END_REQUEST and parses the CGI response in STDOUT.
    public func readResponse(_ fd: Int32) throws -> FastCGIResponse {
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        while true {
            let header = try Self.readExactly(fd, 8)
            guard header[0] == FastCGIRecord.version else { throw FastCGIClientError("bad record version \(header[0])") }
            let length = Int(header[4]) << 8 | Int(header[5])
            let padding = Int(header[6])
            let content = try Self.readExactly(fd, length + padding).prefix(length)
            switch FastCGIRecordType(rawValue: header[1]) {
            case .stdout: stdout += content
            case .stderr: stderr += content
            case .endRequest:
                let body = Array(content)
                let appStatus = UInt32(body[0]) << 24 | UInt32(body[1]) << 16 | UInt32(body[2]) << 8 | UInt32(body[3])
                var response = try Self.parseCGI(stdout)
                response.stderr = stderr
                response.appStatus = appStatus
                response.protocolStatus = body[4]
                return response
            default:
                throw FastCGIClientError("unexpected record type \(header[1])")
            }
        }
    }

    public static func readExactly(_ fd: Int32, _ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let got = out.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + offset, count - offset, 0) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { throw FastCGIClientError(got == 0 ? "connection closed by the responder" : "read: errno \(errno)") }
            offset += got
        }
        return out
    }

    /// Splits a CGI response (RFC 3875 §6) into status, headers and body.
    public static func parseCGI(_ bytes: [UInt8]) throws -> FastCGIResponse {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0...max(0, bytes.count - 4)).first(where: { bytes.count >= $0 + 4 && Array(bytes[$0..<$0 + 4]) == separator }) else {
            throw FastCGIClientError("no header block in \(bytes.count) bytes")
        }
        let headText = String(decoding: bytes[..<end], as: UTF8.self)
        var status = 200
        var headers: [(String, String)] = []
        for line in headText.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name.lowercased() == "status" { status = Int(value.prefix(3)) ?? 0 } else { headers.append((name, value)) }
        }
        return FastCGIResponse(status: status, headers: headers, body: Array(bytes[(end + 4)...]), stderr: [], appStatus: 0, protocolStatus: 0)
    }
}
