import FastCGITestSupport
import Foundation
import Testing

@Suite("CGI mode and start-up")
struct CGIAndStartupTests {
    func makeDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "depot-cgi-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func cgiEnvironment(_ directory: String, method: String, uri: String, extra: [String: String] = [:]) -> [String: String] {
        var env = [
            "GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": method, "REQUEST_URI": uri, "SERVER_PROTOCOL": "HTTP/1.1",
            "DEPOT_STORAGE_ROOT": directory + "/storage", "DEPOT_DATABASE_PATH": directory + "/depot.sqlite3",
            "DEPOT_SERVER_DEBUG_ROUTES": "true",
        ]
        for (key, value) in extra { env[key] = value }
        return env
    }

    @Test func answersOneRequestAsACGIProgram() throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outcome = try CGIRun.run(environment: cgiEnvironment(directory, method: "GET", uri: "/api/healthz"))
        #expect(outcome.exitStatus == 0)
        let response = try FastCGIClient.parseCGI(outcome.stdout)
        #expect(response.status == 200)
        #expect(response.json?["code"] as? Int == 0)
        #expect(FileManager.default.fileExists(atPath: directory + "/depot.sqlite3"))
    }

    @Test func readsTheBodyFromStdin() throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let body = [UInt8](repeating: 7, count: 1_000_003)
        let env = cgiEnvironment(directory, method: "POST", uri: "/api/_debug/echo", extra: ["CONTENT_LENGTH": String(body.count)])
        let outcome = try CGIRun.run(environment: env, stdin: body)
        let response = try FastCGIClient.parseCGI(outcome.stdout)
        #expect(response.status == 200)
        #expect((response.json?["data"] as? [String: Any])?["size"] as? Int == body.count)
        // A body shorter than its Content-Length is a parse failure, not a success.
        let short = try CGIRun.run(
            environment: cgiEnvironment(directory, method: "POST", uri: "/api/_debug/echo", extra: ["CONTENT_LENGTH": "100"]),
            stdin: [1, 2, 3])
        let truncated = try FastCGIClient.parseCGI(short.stdout)
        #expect(truncated.status == 400)
        #expect(truncated.json?["code"] as? Int == 40001)
    }

    @Test func cgiModeServesFileBytesItselfUnlessAccelIsSetOnPurpose() throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var form = MultipartBodyBuilder()
        form.file("f", filename: "hello.txt", Array("hello from cgi".utf8))
        let upload = try CGIRun.run(
            environment: cgiEnvironment(directory, method: "POST", uri: "/api/uploads/cgi", extra: ["CONTENT_LENGTH": String(form.finished().count), "CONTENT_TYPE": form.contentType]),
            stdin: form.finished())
        let created = try FastCGIClient.parseCGI(upload.stdout)
        #expect(created.status == 201, "\(created.text)")
        let id = ((created.json?["data"] as? [String: Any])?["files"] as? [[String: Any]])?.first?["id"] as? String ?? ""
        let download = try FastCGIClient.parseCGI(CGIRun.run(environment: cgiEnvironment(directory, method: "GET", uri: "/api/files/\(id)")).stdout)
        #expect(download.status == 200)
        #expect(download.text == "hello from cgi")
        #expect(download.header("X-Accel-Redirect") == nil)
        let accel = try FastCGIClient.parseCGI(
            CGIRun.run(environment: cgiEnvironment(directory, method: "GET", uri: "/api/files/\(id)", extra: ["DEPOT_DOWNLOADS_ACCEL": "true"])).stdout)
        #expect(accel.header("X-Accel-Redirect")?.hasPrefix("/_stored/cgi/") == true)
        #expect(accel.body.isEmpty)
    }

    @Test func aTypoInTheConfigFileStopsStartUpNamingTheKey() throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/depot.conf"
        try "[server]\nworkers = 4\nwrokers = 3\n".write(toFile: file, atomically: true, encoding: .utf8)
        let outcome = try CGIRun.run(environment: ["DEPOT_STORAGE_ROOT": directory + "/s"], arguments: ["--config", file, "--socket", directory + "/x.sock"])
        #expect(outcome.exitStatus == 1)
        #expect(outcome.stderr.contains("line 3: unknown key 'server.wrokers'"), "\(outcome.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/x.sock"))
    }

    @Test func aBadValueStopsStartUpNamingTheKey() throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/depot.conf"
        try "[limits]\nmax_file_size = lots\n".write(toFile: file, atomically: true, encoding: .utf8)
        let fromFile = try CGIRun.run(environment: [:], arguments: ["--config", file, "--socket", directory + "/x.sock"])
        #expect(fromFile.exitStatus == 1)
        #expect(fromFile.stderr.contains("limits.max_file_size = 'lots'"), "\(fromFile.stderr)")
        let fromEnvironment = try CGIRun.run(
            environment: ["DEPOT_SERVER_WORKERS": "0", "DEPOT_STORAGE_ROOT": directory + "/s"], arguments: ["--socket", directory + "/x.sock"])
        #expect(fromEnvironment.exitStatus == 1)
        #expect(fromEnvironment.stderr.contains("DEPOT_SERVER_WORKERS (server.workers) = '0'"), "\(fromEnvironment.stderr)")
    }

    @Test func laterLayersWinAndUnknownVariablesAreWarnedAbout() throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Base file sets a token, DEPOT_CONFIG overrides it, the environment twin overrides both.
        try "[auth]\ntoken = from-base\n[server]\ndebug_routes = true\n".write(toFile: directory + "/base.conf", atomically: true, encoding: .utf8)
        try "[auth]\ntoken = from-depot-config\n".write(toFile: directory + "/over.conf", atomically: true, encoding: .utf8)
        func status(token: String, environment: [String: String]) throws -> (Int, String) {
            var env = cgiEnvironment(directory, method: "POST", uri: "/api/_debug/echo", extra: ["CONTENT_LENGTH": "0", "HTTP_AUTHORIZATION": "Bearer \(token)"])
            env["DEPOT_SERVER_DEBUG_ROUTES"] = nil
            for (key, value) in environment { env[key] = value }
            let outcome = try CGIRun.run(environment: env, arguments: ["--config", directory + "/base.conf"])
            return (try FastCGIClient.parseCGI(outcome.stdout).status, outcome.stderr)
        }
        #expect(try status(token: "from-base", environment: [:]).0 == 200)
        #expect(try status(token: "from-base", environment: ["DEPOT_CONFIG": directory + "/over.conf"]).0 == 401)
        #expect(try status(token: "from-depot-config", environment: ["DEPOT_CONFIG": directory + "/over.conf"]).0 == 200)
        let (envWins, stderr) = try status(
            token: "from-env", environment: ["DEPOT_CONFIG": directory + "/over.conf", "DEPOT_AUTH_TOKEN": "from-env", "DEPOT_AUTH_TOKN": "typo"])
        #expect(envWins == 200)
        #expect(stderr.contains("unknown configuration variable DEPOT_AUTH_TOKN"))
    }
}
