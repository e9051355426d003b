import DepotCore
import Foundation

/// Layers the configuration: built-in defaults < base file < `DEPOT_CONFIG` file < `DEPOT_*` variables.
package enum ConfigLoader {
    /// Variables that are not configuration keys but are `DEPOT_`-shaped on purpose.
    /// Settings of the scripts (scripts/run, scripts/test, scripts/bench), not of the responder.
    static let knownNonKeys: Set<String> = [
        "DEPOT_CONFIG", "DEPOT_VAR", "DEPOT_PORT", "DEPOT_BINARY", "DEPOT_NODES", "DEPOT_POSTGRES", "DEPOT_TEST_DATABASE_URL",
        "DEPOT_TEST_PG_DIR", "DEPOT_TEST_NODES", "DEPOT_BENCH_STORE", "DEPOT_PG_URL", "DEPOT_PG_FSYNC",
    ]

    /// - Parameters:
    ///   - baseFile: the file named by `--config`, else `conf/depot.conf` if it exists.
    ///   - baseFileRequired: true when the user named the base file (so it must exist).
    ///   - environment: the process environment.
    /// - Returns: the configuration and warnings to log (unknown `DEPOT_*` variables).
    /// - Throws: `ConfigError` naming the key, file and line, or variable, of the first bad value.
    package static func load(
        baseFile: String?, baseFileRequired: Bool, environment: [String: String]
    ) throws(ConfigError) -> (Config, [String]) {
        var config = Config()
        let keys = ConfigKey.all
        if let baseFile {
            if baseFileRequired || FileManager.default.fileExists(atPath: baseFile) {
                try apply(file: baseFile, keys: keys, to: &config)
            }
        }
        if let named = environment["DEPOT_CONFIG"], !named.isEmpty {
            try apply(file: named, keys: keys, to: &config)
        }
        var warnings: [String] = []
        let twins = Dictionary(uniqueKeysWithValues: keys.map { ($0.environmentName, $0) })
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("DEPOT_") {
            guard let key = twins[name] else {
                if !knownNonKeys.contains(name) { warnings.append("unknown configuration variable \(name) is ignored") }
                continue
            }
            if let expected = key.apply(&config, value) {
                throw ConfigError(message: "\(name) (\(key.name)) = '\(value)': expected \(expected)")
            }
            config.explicitKeys.insert(key.name)
        }
        if !config.explicitKeys.contains("server.workers") { config.workers = Config.defaultWorkers(durable: config.durable) }
        return (config, warnings)
    }

    private static func apply(file: String, keys: [ConfigKey], to config: inout Config) throws(ConfigError) {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ConfigError(message: "cannot read configuration file \(file)")
        }
        let document: INIDocument
        do {
            document = try INIDocument(parsing: String(decoding: data, as: UTF8.self))
        } catch {
            throw ConfigError(message: "\(file) \(error)")
        }
        for entry in document.entries {
            guard let key = keys.first(where: { $0.name == entry.key }) else {
                throw ConfigError(message: "\(file) line \(entry.line): unknown key '\(entry.key)'")
            }
            if let expected = key.apply(&config, entry.value) {
                throw ConfigError(message: "\(file) line \(entry.line): \(entry.key) = '\(entry.value)': expected \(expected)")
            }
            config.explicitKeys.insert(key.name)
        }
    }
}
