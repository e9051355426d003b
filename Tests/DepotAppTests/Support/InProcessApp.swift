import DepotApp
import DepotCore
import DepotSystem
import Synchronization
import Foundation

/// A real `App` (real SQLite file, real storage folder) driven without a socket: requests go in as
/// CGI parameters and a `MemoryBody`, the response comes back from a `MemoryOutput`.
/// Hummingbird's `RouterTestFramework` is the model; the FastCGI harness covers the live runs.
final class InProcessApp: Sendable {
    let directory: String
    let app: App
    /// The PostgreSQL schema this app's rows live in (when the suite runs on PostgreSQL).
    private let schema: TestSchema?

    /// - Parameter configure: changes to the test defaults (storage and database in a fresh folder,
    ///   no fsync, no access log).
    init(_ configure: (inout Config) -> Void = { _ in }) throws {
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("depot-inprocess-\(UUID().uuidString)").path
        var config = Config()
        config.storageRoot = self.directory + "/storage"
        config.databasePath = self.directory + "/depot.sqlite3"
        config.nginxBodyTempDir = self.directory + "/body_temp"
        config.durable = false
        config.accessLog = false
        // `scripts/test` runs the suites a second time with DEPOT_TEST_DATABASE_URL set: every app
        // then gets a schema of its own in that PostgreSQL database.
        self.schema = try TestSchema.make()
        if let schema = self.schema { config.databaseURL = schema.url }
        configure(&config)
        self.app = try App(config: config)
    }

    /// The PostgreSQL URL of this app's schema; nil on SQLite.
    var schemaURL: String? { self.schema?.url }

    deinit {
        self.app.storage.close()
        self.schema?.drop()
        try? FileManager.default.removeItem(atPath: self.directory)
    }

    /// Runs one request through `App.handle`, exactly as a FastCGI worker would.
    func request(
        _ method: String, _ uri: String, headers: [String: String] = [:], body: [UInt8] = [], contentType: String? = nil,
        chunkSize: Int = 64 * 1024
    ) -> InProcessResponse {
        var params = ["REQUEST_METHOD": method, "REQUEST_URI": uri]
        if !body.isEmpty || method == "POST" || method == "PUT" { params["CONTENT_LENGTH"] = String(body.count) }
        if let contentType { params["CONTENT_TYPE"] = contentType }
        for (name, value) in headers { params["HTTP_" + name.uppercased().replacingOccurrences(of: "-", with: "_")] = value }
        let output = MemoryOutput()
        let size = params.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
        self.app.handle(head: RequestHead(params: params), paramsBytes: size, body: MemoryBody(body, chunkSize: chunkSize), output: output)
        return InProcessResponse(output.bytes, aborted: output.aborted)
    }

    /// A request whose body comes from `body` (one that breaks off, say).
    func request(
        _ method: String, _ uri: String, headers: [String: String] = [:], stream body: any RequestBody, contentLength: Int?, contentType: String? = nil
    ) -> InProcessResponse {
        var params = ["REQUEST_METHOD": method, "REQUEST_URI": uri]
        if let contentLength { params["CONTENT_LENGTH"] = String(contentLength) }
        if let contentType { params["CONTENT_TYPE"] = contentType }
        for (name, value) in headers { params["HTTP_" + name.uppercased().replacingOccurrences(of: "-", with: "_")] = value }
        let output = MemoryOutput()
        let size = params.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
        self.app.handle(head: RequestHead(params: params), paramsBytes: size, body: body, output: output)
        return InProcessResponse(output.bytes, aborted: output.aborted)
    }

    /// A multipart/form-data request.
    func upload(_ uri: String, _ form: Form, headers: [String: String] = [:]) -> InProcessResponse {
        self.request("POST", uri, headers: headers, body: form.body, contentType: "multipart/form-data; boundary=\(Form.boundary)")
    }

    /// The regular files under the storage root, as stored paths (Depot's own folders left out).
    func storedFiles() -> [String] {
        let root = self.app.config.storageRoot
        let enumerator = FileManager.default.enumerator(atPath: root)
        var found: [String] = []
        while let item = enumerator?.nextObject() as? String {
            if item.hasPrefix(".") { continue }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + item, isDirectory: &isDirectory), !isDirectory.boolValue { found.append("/" + item) }
        }
        return found.sorted()
    }

    /// A multipart body, closed when read.
    struct Form {
        static let boundary = "----depot-in-process-7MA4YWxkTrZu0gW"
        private var parts: [UInt8] = []

        init(_ build: (inout Form) -> Void = { _ in }) { build(&self) }

        mutating func field(_ name: String, _ value: String) {
            self.parts += Array("--\(Form.boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }

        mutating func file(_ name: String, filename: String, _ content: [UInt8], contentType: String = "application/octet-stream") {
            self.parts += Array(
                "--\(Form.boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: \(contentType)\r\n\r\n".utf8)
            self.parts += content
            self.parts += Array("\r\n".utf8)
        }

        var body: [UInt8] { self.parts + Array("--\(Form.boundary)--\r\n".utf8) }
    }
}

/// A response as the CGI bytes `App.handle` wrote, split into status, headers and body.
struct InProcessResponse {
    var status = 0
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []
    var aborted = false

    init(_ bytes: [UInt8], aborted: Bool) {
        self.aborted = aborted
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else { return }
        for line in String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name == "Status" { self.status = Int(value.prefix(3)) ?? 0 } else { self.headers.append((name, value)) }
        }
        self.body = Array(bytes[(end + 4)...])
    }

    func header(_ name: String) -> String? { self.headers.first { $0.name.lowercased() == name.lowercased() }?.value }

    var text: String { String(decoding: self.body, as: UTF8.self) }
    var json: JSONValue? { try? JSONValue.parse(self.body) }
    /// The envelope's `code`.
    var code: Int64? { self.json?["code"]?.intValue }
    var data: JSONValue? { self.json?["data"] }
}

extension JSONValue {
    /// The elements of an array (empty for anything else).
    var items: [JSONValue] {
        if case .array(let items) = self { return items }
        return []
    }
}

/// Test images: headers only, which is all the sniffer reads.
enum TestImages {
    /// A PNG of `width` × `height` (signature, IHDR, IEND; the pixels are never decoded).
    static func png(width: UInt32, height: UInt32) -> [UInt8] {
        func be(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
        let ihdr: [UInt8] = Array("IHDR".utf8) + be(width) + be(height) + [8, 6, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + be(13) + ihdr + be(ZlibCompressor().crc32(ihdr))
            + be(0) + Array("IEND".utf8) + be(ZlibCompressor().crc32(Array("IEND".utf8)))
    }
}

/// A schema of its own in the PostgreSQL database of DEPOT_TEST_DATABASE_URL, so suites running
/// at once never see each other's rows; dropped with its rows at the end.
struct TestSchema {
    let name: String
    let baseURL: String

    /// nil when the suites run on SQLite.
    static func make() throws -> TestSchema? {
        guard let base = ProcessInfo.processInfo.environment["DEPOT_TEST_DATABASE_URL"], !base.isEmpty else { return nil }
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try PostgresConnection(url: base).execute("CREATE SCHEMA \(name)")
        return TestSchema(name: name, baseURL: base)
    }

    /// The URL with this schema first on the search path.
    var url: String { self.baseURL + (self.baseURL.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(self.name)" }

    func drop() {
        _ = try? PostgresConnection(url: self.baseURL).execute("DROP SCHEMA \(self.name) CASCADE")
    }
}

/// True when the suites run on PostgreSQL.
var onPostgres: Bool { !(ProcessInfo.processInfo.environment["DEPOT_TEST_DATABASE_URL"] ?? "").isEmpty }
