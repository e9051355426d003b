import DepotCore
import DepotSystem
import Foundation

/// The application: configuration, routes, database, metrics; handles one request at a time per thread.
package final class App: Sendable {
    package let config: Config
    package let database: DatabasePool
    package let metrics = Metrics()
    package let store: FileStore
    /// Signs and checks download links with `auth.signing_key`.
    let signer: SignedLink
    /// `nginx.body_temp_dir` with symlinks resolved, once (nil when it does not exist yet).
    let resolvedBodyTempDirectory: String?
    var resolvedBodyTempDir: String? { self.resolvedBodyTempDirectory ?? resolvedPath(self.config.nginxBodyTempDir) }
    private let router: Router<Route>
    package let routes: [Route]

    /// Prepares storage and the database (migrations) and builds the route table.
    /// - Throws: when the storage root or the database cannot be used.
    package init(config: Config) throws {
        self.config = config
        try FileSystem.makeDirectories(config.storageRoot)
        try FileSystem.makeDirectories(config.storageRoot + "/.tmp")
        let directory = (config.databasePath as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileSystem.makeDirectories(directory) }
        let path = config.databasePath
        let busy = Int32(config.busyTimeout * 1000)
        let durable = config.durable
        let cache = config.cacheKiB
        self.database = DatabasePool(writerCacheKiB: 4 * cache) {
            try SQLiteDatabase(path: path, busyTimeoutMilliseconds: busy, synchronousFull: durable, cacheKiB: cache)
        }
        _ = try self.database.withConnection { try Schema.migrator.migrate($0) }
        self.signer = SignedLink(key: config.signingKey) { key, message in HMACSHA256.mac(key: key, message: message) }
        self.resolvedBodyTempDirectory = resolvedPath(config.nginxBodyTempDir)
        let store = try FileStore(root: config.storageRoot, durable: config.durable)
        self.store = store
        let database = self.database
        let report = try store.recover { path in
            try database.withConnection { connection in
                try connection.withStatement("SELECT id FROM files WHERE path = ?1") { try $0.bind([.text(path)]).step() ? $0.text(0) : nil }
            }
        }
        if report.rolledForward > 0 { Log.warn("start-up recovery completed \(report.rolledForward) committed overwrites") }
        if report.removed > 0 { Log.warn("start-up sweep removed \(report.removed) files left by an interrupted request") }
        let routes = App.makeRoutes(config: config)
        var router = Router<Route>()
        for route in routes { router.add(route.method, route.path, route) }
        self.router = router
        self.routes = routes
    }

    /// Handles one request end to end: route, authorise, run the handler, map errors, log, count.
    /// - Parameters:
    ///   - head: the request head, from the FastCGI/CGI parameters.
    ///   - paramsBytes: their total size, checked against `server.max_params_bytes`.
    ///   - body: the request body.
    ///   - output: where the response goes.
    package func handle(head: RequestHead, paramsBytes: Int, body: any RequestBody, output: any ResponseOutput) {
        let started = monotonicSeconds()
        self.metrics.requestStarted()
        let counting = CountingBody(body, declaredLength: head.contentLength)
        let writer = ResponseWriter(output: output, suppressBody: head.methodName == "HEAD")
        var routeLabel = "unmatched"
        do {
            guard Int64(paramsBytes) <= self.config.maxParamsBytes else {
                throw APIError(.paramsInvalid, "the request headers are too large")
            }
            switch self.router.match(methodName: head.methodName, rawPath: head.rawPath) {
            case .notFound:
                throw APIError(.notFound, "no route for \(head.rawPath.prefix(200))")
            case .methodNotAllowed(let allowed):
                throw APIError(
                    .methodNotAllowed, "method \(head.methodName.prefix(20)) is not allowed here",
                    headers: [("Allow", allowed.map(\.rawValue).joined(separator: ", "))])
            case .matched(let route, let pattern, let parameters):
                routeLabel = pattern.text
                if route.requiresToken { try self.authorize(head) }
                let context = RequestContext(head: head, rawParameters: parameters, body: counting, response: writer, app: self)
                try route.handler(context)
                if !writer.headSent { throw APIError(.internalError) }
                writer.finish()
            }
        } catch {
            self.fail(writer, error: error, head: head)
        }
        let seconds = monotonicSeconds() - started
        let bytesOut = writer.headBytesWritten + writer.bodyBytesWritten
        self.metrics.requestFinished(
            route: routeLabel, method: head.method?.rawValue ?? "OTHER", status: writer.status,
            bytesIn: counting.bytesRead, bytesOut: bytesOut, seconds: seconds)
        if self.config.accessLog {
            let uri = head.requestURI.prefix(512)
            Log.line(
                "\(Log.timestamp()) access \(head.methodName.prefix(16)) \(uri) \(writer.status) in=\(counting.bytesRead) out=\(bytesOut) \(String(format: "%.1f", seconds * 1000))ms"
            )
        }
    }

    private func fail(_ writer: ResponseWriter, error: any Error, head: RequestHead) {
        let (apiError, detail) = ErrorMapping.map(error)
        if let detail { Log.error("\(head.methodName.prefix(16)) \(head.rawPath.prefix(200)): \(detail)") }
        guard writer.fail() else {
            Log.error("\(head.methodName.prefix(16)) \(head.rawPath.prefix(200)): failed after the response started; connection cut")
            return
        }
        do {
            try writer.sendEnvelope(
                status: apiError.code.httpStatus, code: apiError.code, message: apiError.message, headers: apiError.headers)
            writer.finish()
        } catch {
            // The peer is gone; nothing more can be said to it.
        }
    }

    /// Opens this thread's database connection now, so descriptors are stable from the first request.
    package func prepareWorkerThread() {
        do {
            try self.database.withConnection { _ in }
        } catch {
            Log.error("worker database connection: \(error)")
        }
    }

    /// Write routes need `Authorization: Bearer <auth.token>` when a token is configured.
    /// - Throws: 401 with `WWW-Authenticate: Bearer` when it is missing or wrong.
    package func authorize(_ head: RequestHead) throws {
        guard !self.config.authToken.isEmpty, !self.presentsToken(head) else { return }
        throw APIError(.unauthorized, "a valid bearer token is required", headers: [("WWW-Authenticate", "Bearer realm=\"depot\"")])
    }

    /// True when a token is configured and the request carries it (compared in constant time).
    package func presentsToken(_ head: RequestHead) -> Bool {
        guard !self.config.authToken.isEmpty, let presented = App.bearerToken(head) else { return false }
        return ConstantTime.equals(Array(presented.utf8), Array(self.config.authToken.utf8))
    }

    /// The token of an `Authorization: Bearer` header, if any.
    package static func bearerToken(_ head: RequestHead) -> String? {
        guard let value = head.headers["authorization"] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1].trimmingWhitespace())
    }
}
