import Foundation
import Glibc

/// The built `depot` binary, started on a temporary Unix socket with its own storage and database.
public final class ResponderProcess: @unchecked Sendable {
    public let directory: String
    public let socketPath: String
    public let process: Process
    public let stderrPath: String
    public private(set) var baselineDescriptors = 0
    private var stopped = false
    private let ownsDirectory: Bool
    /// The schema this responder's rows live in on the PostgreSQL pass (dropped with the folder).
    private var postgresSchema: String?
    /// What another process (`depot check`) needs to reach this responder's database: empty on
    /// SQLite (the file is in `directory`), `DEPOT_DATABASE_URL` on PostgreSQL.
    public private(set) var databaseEnvironment: [String: String] = [:]

    /// `DEPOT_TEST_DATABASE_URL`: set by `scripts/test` for its PostgreSQL pass.
    public static var testDatabaseURL: String? {
        let url = ProcessInfo.processInfo.environment["DEPOT_TEST_DATABASE_URL"] ?? ""
        return url.isEmpty ? nil : url
    }

    /// Runs one SQL command with `psql` (this module links no database client on purpose).
    public static func psql(_ url: String, _ sql: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = ["-qtAX", "-v", "ON_ERROR_STOP=1", url, "-c", sql]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw FastCGIClientError("psql failed: \(sql)") }
    }

    /// The binary under test: `$DEPOT_BINARY`, else `depot` beside the test runner (same build folder).
    public static var binaryPath: String {
        if let path = ProcessInfo.processInfo.environment["DEPOT_BINARY"], !path.isEmpty { return path }
        let runner = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: runner).deletingLastPathComponent()
        // The runner may sit inside a .xctest bundle directory.
        while directory.path.hasSuffix(".xctest") || directory.lastPathComponent == "Contents" || directory.lastPathComponent == "MacOS" {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("depot").path
    }

    /// Starts the responder and waits until it accepts connections.
    /// - Parameters:
    ///   - environment: extra `DEPOT_*` settings (storage root, database and socket are set already).
    ///   - workers: `--workers`.
    ///   - arguments: extra command-line arguments.
    ///   - directory: the folder of an earlier responder to start again on (its storage and database,
    ///     as after a crash); that earlier one still owns it and removes it. Nil: a new folder.
    public init(
        directory existing: String? = nil, environment: [String: String] = [:], workers: Int = 4, arguments: [String] = [],
        startTimeout: Double = 20
    ) throws {
        if let existing {
            directory = existing
            ownsDirectory = false
        } else {
            let template = NSTemporaryDirectory() + "depot-test-XXXXXX"
            var buffer = Array(template.utf8CString)
            guard mkdtemp(&buffer) != nil else { throw FastCGIClientError("mkdtemp failed") }
            directory = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            ownsDirectory = true
        }
        socketPath = directory + "/depot.sock"
        stderrPath = directory + "/stderr.log"
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)

        let binary = Self.binaryPath
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw FastCGIClientError("responder binary not found at \(binary); run `swift build` first")
        }
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--socket", socketPath, "--workers", String(workers)] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        // A clean environment: nothing of the developer's DEPOT_* settings leaks into a test.
        var env: [String: String] = [
            "PATH": "/usr/bin:/bin",
            "DEPOT_STORAGE_ROOT": directory + "/storage",
            "DEPOT_DATABASE_PATH": directory + "/depot.sqlite3",
            "DEPOT_STORAGE_DURABLE": "false",
            "LIBFCGI_OS_CLOSE_POLL_TIMEOUT": "100",
        ]
        // The PostgreSQL pass of `scripts/test`: rows in a schema of this folder's own.
        if let url = Self.testDatabaseURL {
            let schema = "r_" + (directory as NSString).lastPathComponent.lowercased().filter { $0.isLetter || $0.isNumber }
            if ownsDirectory { try Self.psql(url, "CREATE SCHEMA IF NOT EXISTS \(schema)") }
            env["DEPOT_DATABASE_URL"] = url + (url.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
            databaseEnvironment = ["DEPOT_DATABASE_URL": env["DEPOT_DATABASE_URL"]!]
            postgresSchema = ownsDirectory ? schema : nil
        }
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()

        let deadline = Date().addingTimeInterval(startTimeout)
        while true {
            if !process.isRunning {
                throw FastCGIClientError("responder exited with \(process.terminationStatus): \(stderrText)")
            }
            if let fd = try? FastCGIClient(socketPath: socketPath).connect() {
                close(fd)
                break
            }
            guard Date() < deadline else { throw FastCGIClientError("responder did not listen within \(startTimeout)s: \(stderrText)") }
            usleep(20_000)
        }
        // The probe connection above is closed without a request; let libfcgi drop it before counting.
        usleep(100_000)
        baselineDescriptors = openDescriptors
    }

    deinit {
        if !stopped {
            process.terminate()
            process.waitUntilExit()
        }
        if ownsDirectory { try? FileManager.default.removeItem(atPath: directory) }
        if let schema = postgresSchema, let url = Self.testDatabaseURL { try? Self.psql(url, "DROP SCHEMA IF EXISTS \(schema) CASCADE") }
    }

    public var client: FastCGIClient { FastCGIClient(socketPath: socketPath) }
    public var pid: Int32 { process.processIdentifier }

    /// What the responder wrote to stderr so far.
    public var stderrText: String {
        (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
    }

    /// The responder's open file descriptors now.
    public var openDescriptors: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    /// Waits (up to `timeout`) until the descriptor count is back to the baseline.
    /// - Returns: the last count seen.
    public func settledDescriptors(timeout: Double = 3) -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        var count = openDescriptors
        while count > baselineDescriptors && Date() < deadline {
            usleep(20_000)
            count = openDescriptors
        }
        return count
    }

    /// Sends a signal.
    public func signal(_ number: Int32) { kill(pid, number) }

    /// Sends SIGTERM and waits for the exit.
    /// - Returns: the exit status, or nil if it did not exit within `timeout` (then it is killed).
    @discardableResult
    public func stop(timeout: Double = 15) -> Int32? {
        stopped = true
        if process.isRunning { kill(pid, SIGTERM) }
        return waitForExit(timeout: timeout)
    }

    /// Waits for the process to exit by itself.
    public func waitForExit(timeout: Double) -> Int32? {
        stopped = true
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
