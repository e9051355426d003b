import DepotSystem

/// Chooses and opens the store the configuration names: PostgreSQL when `database.url` is set,
/// else the SQLite file at `database.path`.
package enum PersistenceFactory {
    /// - Throws: `ConfigError` naming `database.url` (its password masked) when PostgreSQL cannot
    ///   be reached; SQLite's error when its file cannot be opened.
    package static func open(_ config: Config) throws -> any Persistence {
        guard !config.databaseURL.isEmpty else {
            return try SQLiteStore(path: config.databasePath, busyTimeout: config.busyTimeout, durable: config.durable, cacheKiB: config.cacheKiB)
        }
        do {
            return try PostgresStore(url: config.databaseURL, durable: config.durable, fileCacheEntries: config.fileCacheEntries)
        } catch {
            throw ConfigError(message: "database.url \(maskedURL(config.databaseURL)): \(error)")
        }
    }

    /// The URL with any password replaced by `***` (URI `user:password@` and `password=` forms).
    package static func maskedURL(_ url: String) -> String {
        var text = url
        if let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@") {
            let userInfo = text[scheme.upperBound..<at]
            if let colon = userInfo.firstIndex(of: ":") { text.replaceSubrange(text.index(after: colon)..<at, with: "***") }
        }
        // key=value forms, in a connection string or in the URI's query.
        var parts = text.components(separatedBy: "password=")
        for index in parts.indices.dropFirst() {
            let rest = parts[index]
            let end = rest.firstIndex { $0 == " " || $0 == "&" } ?? rest.endIndex
            parts[index] = "***" + rest[end...]
        }
        return parts.joined(separator: "password=")
    }
}
