import FastCGITestSupport
import Foundation
import Testing

/// `depot check`, the oracle of the crash tests, against a store damaged in each way it reports.
@Suite("depot check")
struct CheckCommandTests {
    func check(_ responder: ResponderProcess, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let directory = responder.directory
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ResponderProcess.binaryPath)
        process.arguments = ["check"] + arguments
        process.environment = [
            "PATH": "/usr/bin:/bin", "DEPOT_STORAGE_ROOT": directory + "/storage", "DEPOT_DATABASE_PATH": directory + "/depot.sqlite3",
        ].merging(responder.databaseEnvironment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test func findsEachKindOfDisagreementAndRepairsWhatItMay() throws {
        let responder = try ResponderProcess()
        var paths: [String] = []
        for index in 0..<3 {
            let put = try responder.client.send(method: "PUT", uri: "/api/uploads/cms/f\(index).txt", body: Array("file \(index)".utf8))
            paths.append(data(put)["path"] as? String ?? "")
        }
        #expect(responder.stop() == 0)
        let root = responder.directory + "/storage"
        let clean = try check(responder, ["--deep"])
        #expect(clean.status == 0, "\(clean.output)")
        #expect(clean.output.contains("3 rows, 3 files: consistent"))

        // Same size, other bytes: only --deep sees it.
        try Data("FILE 0".utf8).write(to: URL(fileURLWithPath: root + paths[0]))
        try FileManager.default.removeItem(atPath: root + paths[1])
        _ = FileManager.default.createFile(atPath: root + "/cms/stray.bin", contents: Data("no row".utf8))
        _ = FileManager.default.createFile(atPath: root + "/.tmp/gone-0123456789ab.abc.part", contents: Data("x".utf8))
        let shallow = try check(responder, [])
        #expect(shallow.status == 1)
        #expect(!shallow.output.contains("hash mismatch"))
        let deep = try check(responder, ["--deep"])
        #expect(deep.status == 1)
        for expected in ["hash mismatch  \(paths[0])", "missing file   \(paths[1])", "no row         /cms/stray.bin", "dead temp      .tmp/gone-0123456789ab.abc.part"] {
            #expect(deep.output.contains(expected), "\(expected) not in \(deep.output)")
        }

        let repaired = try check(responder, ["--repair"])
        #expect(repaired.status == 0, "\(repaired.output)")  // the hash mismatch needs --deep to be seen
        #expect(FileManager.default.fileExists(atPath: root + "/.lost+found/cms/stray.bin"))
        #expect(!FileManager.default.fileExists(atPath: root + "/.tmp/gone-0123456789ab.abc.part"))
        let after = try check(responder, ["--deep"])
        #expect(after.status == 1)  // bytes that disagree with their row are left for a person
        #expect(after.output.contains("2 rows, 2 files: 1 problems"), "\(after.output)")
    }

    @Test func resumableUploadsAgreeWithTheirDataFiles() throws {
        let responder = try ResponderProcess()
        let tus = [("Tus-Resumable", "1.0.0")]
        var urls: [String] = []
        for _ in 0..<2 {
            let created = try responder.client.send(method: "POST", uri: "/api/tus/videos", headers: tus + [("Upload-Length", "100")])
            #expect(created.status == 201, "\(created.text)")
            let url = try #require(created.header("Location"))
            let patched = try responder.client.send(
                method: "PATCH", uri: url, body: Array(repeating: 7, count: 40), contentType: "application/offset+octet-stream",
                headers: tus + [("Upload-Offset", "0")])
            #expect(patched.status == 204, "\(patched.text)")
            urls.append(url)
        }
        #expect(responder.stop() == 0)
        let root = responder.directory + "/storage"
        let clean = try check(responder, [])
        #expect(clean.status == 0, "\(clean.output)")
        #expect(clean.output.contains("0 rows, 0 files: consistent"), "\(clean.output)")

        // One data file loses bytes its row counts; another data file has no row at all.
        let shortID = String(urls[0].split(separator: "/").last!)
        let handle = try #require(FileHandle(forWritingAtPath: root + "/.tus/" + shortID))
        try handle.truncate(atOffset: 10)
        try handle.close()
        _ = FileManager.default.createFile(atPath: root + "/.tus/01234567-no-such-upload", contents: Data("left over".utf8))
        let found = try check(responder, [])
        #expect(found.status == 1)
        #expect(found.output.contains("short upload   .tus/\(shortID): row says offset 40, file has 10 bytes"), "\(found.output)")
        #expect(found.output.contains("no upload row  .tus/01234567-no-such-upload"), "\(found.output)")

        let repaired = try check(responder, ["--repair"])
        #expect(repaired.status == 0, "\(repaired.output)")
        #expect(!FileManager.default.fileExists(atPath: root + "/.tus/01234567-no-such-upload"))
        #expect(!FileManager.default.fileExists(atPath: root + "/.tus/" + shortID))
        // The intact upload is untouched.
        #expect(FileManager.default.fileExists(atPath: root + "/.tus/" + String(urls[1].split(separator: "/").last!)))
    }
}
