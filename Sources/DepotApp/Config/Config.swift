import DepotCore
import DepotSystem
import Foundation

/// The service configuration (API.md, "Running it"). Every field is one `section.key` of `ConfigKey.all`.
package struct Config: Sendable {
    // [server]
    package var socket = "var/run/depot.sock"
    package var workers = Config.defaultWorkers(durable: true)
    package var gracePeriod: Double = 10
    package var maxParamsBytes: Int64 = 64 << 10
    package var accessLog = true
    package var debugRoutes = false
    /// glibc malloc arenas (instead of up to 8 × cores, one per concurrently allocating thread).
    package var mallocArenas = 2
    /// This responder's name (logs, metrics, its crash journal): letters, digits and `-`.
    package var node = FileStore.defaultNode
    // [storage]
    package var storageRoot = "var/storage"
    package var durable = true
    // [database]
    package var databasePath = "var/depot.sqlite3"
    /// A libpq URI; empty for SQLite at `databasePath`.
    package var databaseURL = ""
    package var busyTimeout: Double = 5
    /// WAL pages that start a background checkpoint (FastCGI mode).
    package var checkpointPages = 4000
    /// Page cache of each worker's read connection, KiB (the writer's is four times as large).
    package var cacheKiB = 1024
    package var fileCacheEntries = 10_000
    // [auth]
    package var authToken = ""
    package var signingKey = ""
    package var privateNamespaces: [String] = []
    // [limits]
    package var limits = Limits()
    /// Images with more pixels are refused (decompression-bomb guard; Pillow's error threshold).
    package var maxImagePixels: Int64 = 178_956_970
    // [images]
    /// The thumbnail sizes a request may ask for (each the side of the box it fits).
    package var thumbnailSizes = [64, 128, 256, 512, 1024]
    /// Thumbnails of images decoded whole (progressive JPEG, interlaced PNG, HEIC, AVIF) are made up
    /// to this many pixels: their memory grows with the image, not with the thumbnail.
    package var maxWholeDecodePixels: Int64 = 64_000_000
    /// WebP, AVIF and JPEG thumbnail quality.
    package var thumbnailQuality = 80
    /// libvips worker threads per thumbnail (each responder worker makes one at a time).
    package var vipsConcurrency = 1
    /// Operations libvips keeps cached (0: none; files read once per thumbnail need no cache).
    package var vipsCache = 0
    /// Thumbnails one responder makes at once (others wait their turn): decoding is CPU work,
    /// so more than the cores only adds memory.
    package var thumbnailMakers = max(1, ProcessInfo.processInfo.activeProcessorCount)
    // [fetch]
    package var fetchAllowPrivate = false
    package var fetchConnectTimeout: Double = 5
    package var fetchTotalTimeout: Double = 30
    package var fetchMaxSize: Int64 = 20 << 20
    package var fetchAllowNetworks: [String] = []
    // [nginx]
    package var nginxBodyTempDir = "var/nginx/client_body_temp"
    // [downloads]
    package var accel = true
    // [uploads]
    /// An incomplete resumable upload idle this long is removed with its bytes.
    package var resumableExpiry: Double = 24 * 3600
    /// Resumable PATCH bodies bypass the page cache in whole blocks (O_DIRECT).
    package var resumableDirectIO = true
    /// `uploads.direct_io`: multipart parts and streamed PUT bodies past 8 MiB skip the page cache.
    package var directIO = true
    // [http]
    /// Origins allowed to call `/api/` from a browser (`*` for any); empty: no CORS headers.
    package var corsOrigins: [String] = []

    /// Worker threads when `server.workers` is not set. A durable upload spends most of its time
    /// waiting in fsync, so durable storage gets more threads to keep the cores busy (measured on
    /// 2 cores, 4 KiB uploads: 16 threads +20–65% over 4 when durable, 8–15% slower when not).
    package static func defaultWorkers(durable: Bool, cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Int {
        durable ? min(64, max(16, 8 * cores)) : max(4, 2 * cores)
    }

    /// The keys a file or an environment variable set (the rest are defaults).
    package var explicitKeys: Set<String> = []

    package init() {}
}

extension Config {
    /// The fetch policy these settings describe.
    package var fetchPolicy: FetchPolicy {
        var policy = FetchPolicy()
        policy.allowPrivate = self.fetchAllowPrivate
        policy.allowNetworks = self.fetchAllowNetworks.compactMap(IPAddress.Network.init)
        policy.maxBytes = self.fetchMaxSize
        policy.connectTimeout = self.fetchConnectTimeout
        policy.totalTimeout = self.fetchTotalTimeout
        return policy
    }
}
