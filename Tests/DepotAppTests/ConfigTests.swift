import DepotApp
import DepotCore
import DepotSystem
import Foundation
import Testing

@Suite struct ConfigTests {
    @Test func everyKeyIsDocumentedWithItsEnvironmentTwin() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/configuration.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        for key in ConfigKey.all {
            #expect(text.contains("| `\(key.name)` | `\(key.environmentName)` |"), "\(key.name) is not in docs/configuration.md")
        }
    }

    @Test func environmentTwinsFollowTheContract() {
        let names = Dictionary(uniqueKeysWithValues: ConfigKey.all.map { ($0.name, $0.environmentName) })
        #expect(names["storage.root"] == "DEPOT_STORAGE_ROOT")
        #expect(names["fetch.allow_private"] == "DEPOT_FETCH_ALLOW_PRIVATE")
        #expect(names["auth.signing_key"] == "DEPOT_AUTH_SIGNING_KEY")
        #expect(names["limits.max_file_size"] == "DEPOT_LIMITS_MAX_FILE_SIZE")
    }

    @Test func environmentValuesParseIntoTheConfig() throws {
        let (config, warnings) = try ConfigLoader.load(
            baseFile: nil, baseFileRequired: false,
            environment: [
                "DEPOT_LIMITS_MAX_FILE_SIZE": "2G", "DEPOT_AUTH_PRIVATE_NAMESPACES": "private, cms/secret",
                "DEPOT_SERVER_GRACE_PERIOD": "1500ms", "DEPOT_FETCH_ALLOW_PRIVATE": "yes", "DEPOT_VAR": "/x",
            ])
        #expect(config.limits.maxFileSize == 2 << 30)
        #expect(config.privateNamespaces == ["private", "cms/secret"])
        #expect(config.gracePeriod == 1.5)
        #expect(config.fetchAllowPrivate)
        #expect(warnings.isEmpty)
    }

    @Test func workerDefaultsFollowDurabilityUnlessSet() throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let durable = try ConfigLoader.load(baseFile: nil, baseFileRequired: false, environment: [:]).0
        #expect(durable.workers == min(64, max(16, 8 * cores)))
        let fast = try ConfigLoader.load(baseFile: nil, baseFileRequired: false, environment: ["DEPOT_STORAGE_DURABLE": "false"]).0
        #expect(fast.workers == max(4, 2 * cores))
        let chosen = try ConfigLoader.load(
            baseFile: nil, baseFileRequired: false, environment: ["DEPOT_STORAGE_DURABLE": "false", "DEPOT_SERVER_WORKERS": "7"]
        ).0
        #expect(chosen.workers == 7)
        #expect(Config.defaultWorkers(durable: true, cores: 32) == 64)
        #expect(Config.defaultWorkers(durable: false, cores: 1) == 4)
    }

    @Test func aMissingNamedFileIsAnError() {
        #expect(throws: ConfigError.self) {
            _ = try ConfigLoader.load(baseFile: "/nonexistent/depot.conf", baseFileRequired: true, environment: [:])
        }
        // The default file may be absent.
        #expect(throws: Never.self) {
            _ = try ConfigLoader.load(baseFile: "/nonexistent/depot.conf", baseFileRequired: false, environment: [:])
        }
    }
}

@Suite struct ErrorMappingTests {
    @Test func mapsEachKindOfErrorToTheContract() {
        #expect(ErrorMapping.map(APIError(.conflict)).error.code == .conflict)
        #expect(ErrorMapping.map(TransportError.truncated).error.code == .parserFailed)
        let full = ErrorMapping.map(SystemError(errno: ENOSPC, function: "write"))
        #expect(full.error.code == .insufficientStorage)
        #expect(full.error.code.httpStatus == 507)
        let other = ErrorMapping.map(SystemError(errno: EIO, function: "write"))
        #expect(other.error.code == .internalError)
        #expect(!other.error.message.contains("write"), "internals must not leak into msg")
        #expect(other.logDetail?.contains("write") == true)
    }
}

@Suite struct ConfigFaultLoadingTests {
    @Test(arguments: ["/", "10.0.0.0/8, /", "1.2.3.4/", "+1.2.3.4", "010.0.0.1/8", "-0::"])
    func badAllowNetworksStopStartUpNamingTheKey(value: String) {
        // Before: "/" and "" indexed past the end of an empty split and crashed start-up.
        do {
            _ = try ConfigLoader.load(baseFile: nil, baseFileRequired: false, environment: ["DEPOT_FETCH_ALLOW_NETWORKS": value])
            Issue.record("'\(value)' was accepted")
        } catch {
            #expect(error.description.contains("fetch.allow_networks"), "\(error.description)")
        }
    }

    @Test func emptyAllowNetworksMeansNone() throws {
        let (config, _) = try ConfigLoader.load(baseFile: nil, baseFileRequired: false, environment: ["DEPOT_FETCH_ALLOW_NETWORKS": ""])
        #expect(config.fetchAllowNetworks.isEmpty)
    }

    @Test func crlfConfigFileKeepsTheToken() throws {
        let path = NSTemporaryDirectory() + "depot-crlf-\(UUID().uuidString).conf"
        try Data("# Depot configuration\r\n[auth]\r\ntoken = from-a-crlf-file\r\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (config, _) = try ConfigLoader.load(baseFile: path, baseFileRequired: true, environment: [:])
        #expect(config.authToken == "from-a-crlf-file")
    }
}
