import DepotCore
import Foundation

/// One configuration key: its name, what it means, and how a text value is applied.
package struct ConfigKey {
    package let name: String
    package let help: String
    /// Applies the value; returns a description of what is expected when the value is bad.
    let apply: (inout Config, String) -> String?

    /// The environment twin: `section.key` → `DEPOT_SECTION_KEY`.
    package var environmentName: String {
        "DEPOT_" + self.name.replacingOccurrences(of: ".", with: "_").uppercased()
    }

    static func string(_ name: String, _ path: WritableKeyPath<Config, String>, _ help: String, allowEmpty: Bool = true) -> ConfigKey {
        ConfigKey(name: name, help: help) { config, value in
            if !allowEmpty && value.isEmpty { return "a non-empty value" }
            config[keyPath: path] = value
            return nil
        }
    }

    static func int(_ name: String, _ path: WritableKeyPath<Config, Int>, _ range: ClosedRange<Int>, _ help: String) -> ConfigKey {
        ConfigKey(name: name, help: help) { config, value in
            guard let number = Int(value), range.contains(number) else {
                return "a whole number from \(range.lowerBound) to \(range.upperBound)"
            }
            config[keyPath: path] = number
            return nil
        }
    }

    static func size(_ name: String, _ path: WritableKeyPath<Config, Int64>, _ help: String) -> ConfigKey {
        ConfigKey(name: name, help: help) { config, value in
            guard let bytes = ConfigValue.size(value), bytes > 0 else { return "a size such as 1048576, 512K, 20M or 4G" }
            config[keyPath: path] = bytes
            return nil
        }
    }

    static func sizeInt(_ name: String, _ path: WritableKeyPath<Config, Int>, _ help: String) -> ConfigKey {
        ConfigKey(name: name, help: help) { config, value in
            guard let bytes = ConfigValue.size(value), bytes > 0, bytes <= Int64(Int32.max) else {
                return "a size such as 16K or 1M"
            }
            config[keyPath: path] = Int(bytes)
            return nil
        }
    }

    static func bool(_ name: String, _ path: WritableKeyPath<Config, Bool>, _ help: String) -> ConfigKey {
        ConfigKey(name: name, help: help) { config, value in
            guard let flag = ConfigValue.bool(value) else { return "true or false (also yes/no, on/off, 1/0)" }
            config[keyPath: path] = flag
            return nil
        }
    }

    static func seconds(_ name: String, _ path: WritableKeyPath<Config, Double>, _ help: String, upTo limit: Double = 86_400) -> ConfigKey {
        ConfigKey(name: name, help: help) { config, value in
            guard let seconds = ConfigValue.seconds(value), seconds <= limit else { return "seconds such as 5, 2.5, 500ms, 2m or 1h (at most \(Int(limit)) s)" }
            config[keyPath: path] = seconds
            return nil
        }
    }

    static func node(_ name: String, _ path: WritableKeyPath<Config, String>, _ help: String) -> ConfigKey {
        ConfigKey(name: name, help: help) { config, value in
            guard (1...64).contains(value.utf8.count),
                value.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 45 })
            else { return "1 to 64 letters, digits or '-'" }
            config[keyPath: path] = value
            return nil
        }
    }

    static func list(_ name: String, _ path: WritableKeyPath<Config, [String]>, _ help: String) -> ConfigKey {
        ConfigKey(name: name, help: help) { config, value in
            config[keyPath: path] = ConfigValue.list(value)
            return nil
        }
    }

    /// Every key Depot understands, in documentation order.
    package static var all: [ConfigKey] {
        [
            .string("server.socket", \.socket, "Unix socket path (or host:port) the responder listens on", allowEmpty: false),
            .int("server.workers", \.workers, 1...1024, "worker threads, each handling one request at a time"),
            .seconds("server.grace_period", \.gracePeriod, "how long SIGTERM waits for requests in flight"),
            .size("server.max_params_bytes", \.maxParamsBytes, "largest FastCGI parameter block (headers) accepted"),
            .bool("server.access_log", \.accessLog, "one line per request on stderr"),
            .bool("server.debug_routes", \.debugRoutes, "enable /api/_debug/* (tests only; never in production)"),
            .int("server.malloc_arenas", \.mallocArenas, 1...64, "glibc malloc arenas (bounds resident memory with many worker threads)"),
            .node("server.node", \.node, "this responder's name in logs, metrics and its crash journal (default: the host name)"),
            .string("storage.root", \.storageRoot, "directory that holds stored files", allowEmpty: false),
            .bool("storage.durable", \.durable, "fsync files, directories and commits before answering"),
            .string("database.path", \.databasePath, "SQLite database file (used when database.url is empty)", allowEmpty: false),
            .string("database.url", \.databaseURL, "PostgreSQL connection URI (libpq); when set, the metadata lives in PostgreSQL"),
            .seconds("database.busy_timeout", \.busyTimeout, "how long a writer waits for the database lock"),
            .int("database.checkpoint_pages", \.checkpointPages, 100...1_000_000, "WAL pages that start a background checkpoint"),
            .int("database.cache_kib", \.cacheKiB, 64...1_048_576, "page cache per read connection, KiB (the writer gets four times as much)"),
            .int("database.file_cache", \.fileCacheEntries, 0...10_000_000, "PostgreSQL: file rows each node keeps for downloads (0: off)"),
            .string("auth.token", \.authToken, "bearer token required by write endpoints; empty = open"),
            .string("auth.signing_key", \.signingKey, "HMAC key for signed download links"),
            .list("auth.private_namespaces", \.privateNamespaces, "comma-separated namespaces that need a token or signature to read"),
            .size("limits.max_file_size", \.limits.maxFileSize, "largest single file"),
            .size("limits.max_request_size", \.limits.maxRequestSize, "largest request body"),
            .int("limits.max_files", \.limits.maxFiles, 1...100_000, "most file parts per request"),
            .int("limits.max_parts", \.limits.maxParts, 1...1_000_000, "most parts per request"),
            .sizeInt("limits.max_part_header_size", \.limits.maxPartHeaderSize, "largest header block of one part"),
            .sizeInt("limits.max_field_size", \.limits.maxFieldSize, "largest text field"),
            .size("limits.max_image_pixels", \.maxImagePixels, "images with more pixels (width × height) are refused"),
            ConfigKey(name: "images.thumbnail_sizes", help: "comma-separated thumbnail sizes a request may ask for (1 to 4096 pixels)") { config, value in
                let sizes = ConfigValue.list(value).map { Int($0) }
                guard !sizes.isEmpty, sizes.allSatisfy({ $0.map { (1...4096).contains($0) } == true }) else {
                    return "comma-separated whole numbers from 1 to 4096, such as 64,128,256"
                }
                config.thumbnailSizes = sizes.map { $0! }
                return nil
            },
            .size(
                "images.max_whole_decode_pixels", \.maxWholeDecodePixels,
                "thumbnails of images decoded whole (progressive JPEG, interlaced PNG, HEIC, AVIF) are made up to this many pixels"),
            .int("images.thumbnail_quality", \.thumbnailQuality, 1...100, "WebP, AVIF and JPEG thumbnail quality"),
            .int("images.vips_concurrency", \.vipsConcurrency, 1...64, "libvips threads per thumbnail being made"),
            .int("images.vips_cache", \.vipsCache, 0...10_000, "operations libvips keeps cached (0: off)"),
            .int("images.thumbnail_makers", \.thumbnailMakers, 1...1024, "thumbnails one responder makes at once (default: the cores)"),
            .bool("fetch.allow_private", \.fetchAllowPrivate, "let remote fetches reach private and loopback addresses"),
            .seconds("fetch.connect_timeout", \.fetchConnectTimeout, "remote fetch connect timeout"),
            .seconds("fetch.total_timeout", \.fetchTotalTimeout, "remote fetch total deadline"),
            .size("fetch.max_size", \.fetchMaxSize, "largest remote body"),
            ConfigKey(name: "fetch.allow_networks", help: "comma-separated CIDRs fetches may reach although not public") { config, value in
                let networks = ConfigValue.list(value)
                guard networks.allSatisfy({ IPAddress.Network($0) != nil }) else { return "comma-separated CIDRs such as 10.1.0.0/16, fd00::/8" }
                config.fetchAllowNetworks = networks
                return nil
            },
            .string("nginx.body_temp_dir", \.nginxBodyTempDir, "nginx client_body_temp_path (offloaded bodies must lie inside)"),
            .bool("downloads.accel", \.accel, "answer downloads with X-Accel-Redirect (off: stream the file itself)"),
            .seconds("uploads.resumable_expiry", \.resumableExpiry, "an incomplete resumable (tus) upload idle this long is removed", upTo: 90 * 86_400),
            .bool("uploads.resumable_direct_io", \.resumableDirectIO, "write resumable PATCH bodies with O_DIRECT in whole blocks (off: through the page cache)"),
            .bool("uploads.direct_io", \.directIO, "write multipart parts and streamed PUT bodies past 8 MiB with O_DIRECT in whole blocks (off: through the page cache)"),
            .list("http.cors_origins", \.corsOrigins, "comma-separated origins (or *) whose browser pages may call /api/"),
        ]
    }
}
