import DepotCore
import DepotSystem

/// What handlers work with: configuration, the store, the file storage, ingest, link signing,
/// metrics. A request context carries these, not the whole `App`, so a handler can be run by a
/// test with nothing but a request, a storage folder and a database file. A class: a request's
/// context holds one reference, not a copy of every field (the configuration alone has dozens).
package final class Services: Sendable {
    package let config: Config
    package let persistence: any Persistence
    package let storage: FileStore
    package let ingest: Ingest
    /// Thumbnails: made once, kept under `{root}/.thumbnails/`.
    package let thumbnails: Thumbnails
    /// Resumable (tus) uploads.
    package let resumable: ResumableUploads
    /// Signs and checks download links with `auth.signing_key`.
    package let signer: SignedLink
    package let metrics: Metrics
    /// The route table (the OpenAPI document is made from it).
    package let routes: [Route]
    /// `nginx.body_temp_dir` with symlinks resolved, once (nil when it does not exist yet).
    private let resolvedBodyTempDirectory: String?

    package init(config: Config, persistence: any Persistence, storage: FileStore, metrics: Metrics, routes: [Route]) throws {
        self.config = config
        self.persistence = persistence
        self.storage = storage
        self.ingest = Ingest(storage: storage, persistence: persistence, maxImagePixels: config.maxImagePixels, durable: config.durable)
        self.thumbnails = Thumbnails(storage: storage, persistence: persistence, config: config)
        self.resumable = try ResumableUploads(
            storage: storage, persistence: persistence, ingest: self.ingest, expiry: config.resumableExpiry, maximum: config.limits.maxFileSize,
            directIO: config.resumableDirectIO)
        self.signer = SignedLink(key: config.signingKey) { key, message in HMACSHA256.mac(key: key, message: message) }
        self.metrics = metrics
        self.routes = routes
        self.resolvedBodyTempDirectory = resolvedPath(config.nginxBodyTempDir)
    }

    /// `nginx.body_temp_dir` with symlinks resolved (looked up again while it does not exist).
    var resolvedBodyTempDir: String? { self.resolvedBodyTempDirectory ?? resolvedPath(self.config.nginxBodyTempDir) }

    /// True when a token is configured and the request carries it (compared in constant time).
    package func presentsToken(_ head: RequestHead) -> Bool {
        guard !self.config.authToken.isEmpty, let presented = Self.bearerToken(head) else { return false }
        return ConstantTime.equals(Array(presented.utf8), Array(self.config.authToken.utf8))
    }

    /// Write routes need `Authorization: Bearer <auth.token>` when a token is configured.
    /// - Throws: 401 with `WWW-Authenticate: Bearer` when it is missing or wrong.
    package func authorize(_ head: RequestHead) throws {
        guard !self.config.authToken.isEmpty, !self.presentsToken(head) else { return }
        throw APIError(.unauthorized, "a valid bearer token is required", headers: [("WWW-Authenticate", "Bearer realm=\"depot\"")])
    }

    /// The token of an `Authorization: Bearer` header, if any.
    package static func bearerToken(_ head: RequestHead) -> String? {
        guard let value = head.headers["authorization"] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1].trimmingWhitespace())
    }
}
