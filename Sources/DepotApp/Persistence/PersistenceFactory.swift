/// Chooses and opens the store the configuration names.
package enum PersistenceFactory {
    /// - Throws: when the database cannot be opened.
    package static func open(_ config: Config) throws -> any Persistence {
        try SQLiteStore(path: config.databasePath, busyTimeout: config.busyTimeout, durable: config.durable, cacheKiB: config.cacheKiB)
    }
}
