import DepotCore
import DepotSystem
import Foundation

/// The application: the services, the router, metrics; handles one request at a time per thread.
package final class App: Sendable {
    package let services: Services
    /// Stored, not read through `services`, so `self.config.x` never copies the whole struct.
    package let config: Config
    package var persistence: any Persistence { self.services.persistence }
    package var storage: FileStore { self.services.storage }
    package var metrics: Metrics { self.services.metrics }
    package var routes: [Route] { self.services.routes }
    private let router: Router<Route>

    /// Prepares storage and the database (migrations, crash recovery) and builds the route table.
    /// - Throws: when the storage root or the database cannot be used.
    package init(config: Config) throws {
        try FileSystem.makeDirectories(config.storageRoot)
        try FileSystem.makeDirectories(config.storageRoot + "/.tmp")
        let persistence = try PersistenceFactory.open(config)
        try persistence.migrate()
        let storage = try FileStore(root: config.storageRoot, durable: config.durable, node: config.node, directLargeWrites: config.directIO)
        let report = try storage.recover { path in try persistence.ownerID(ofStoredPath: path) }
        if report.rolledForward > 0 { Log.warn("start-up recovery completed \(report.rolledForward) committed overwrites") }
        if report.removed > 0 { Log.warn("start-up sweep removed \(report.removed) files left by an interrupted request") }
        let routes = App.makeRoutes(config: config)
        let services = try Services(
            config: config, persistence: persistence, storage: storage, metrics: Metrics(node: config.node, store: persistence.name), routes: routes)
        let orphans = try services.resumable.removeOrphanFiles()
        if orphans > 0 { Log.warn("start-up sweep removed \(orphans) resumable-upload data files whose upload was gone") }
        var router = Router<Route>()
        for route in routes { router.add(route.method, route.path, route) }
        self.router = router
        self.config = config
        self.services = services
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
        var head = head
        let isTus = head.rawPath.hasPrefix("/api/tus/")
        // tus clients behind proxies that pass only GET and POST send the method in a header.
        if isTus { head.methodName = TusHeaders.method(head.methodName, headers: head.headers) }
        let counting = CountingBody(body, declaredLength: head.contentLength)
        let writer = ResponseWriter(output: output, suppressBody: head.methodName == "HEAD")
        if isTus { writer.extraHeaders.append(("Tus-Resumable", TusHeaders.version)) }
        let cors = CORS(origins: self.config.corsOrigins)
        writer.extraHeaders += cors.responseHeaders(head)
        var routeLabel = "unmatched"
        do {
            if cors.isPreflight(head) {
                routeLabel = "preflight"
                try writer.sendHead(ResponseHead(status: 204, headers: cors.preflightHeaders(head)))
                writer.finish()
            } else {
                try self.dispatch(head, paramsBytes: paramsBytes, body: counting, writer: writer, routeLabel: &routeLabel)
            }
        } catch {
            self.fail(writer, error: error, head: head)
        }
        self.finishRequest(head, started: started, counting: counting, writer: writer, routeLabel: routeLabel)
    }

    private func dispatch(_ head: RequestHead, paramsBytes: Int, body counting: CountingBody, writer: ResponseWriter, routeLabel: inout String) throws {
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
            if route.requiresToken { try self.services.authorize(head) }
            let context = RequestContext(head: head, rawParameters: parameters, body: counting, response: writer, services: self.services)
            try route.handler(context)
            if !writer.headSent { throw APIError(.internalError) }
            writer.finish()
        }
    }

    private func finishRequest(_ head: RequestHead, started: Double, counting: CountingBody, writer: ResponseWriter, routeLabel: String) {
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
            try self.persistence.prepareThread()
        } catch {
            Log.error("worker database connection: \(error)")
        }
    }
}
