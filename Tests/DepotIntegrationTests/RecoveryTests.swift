import FastCGITestSupport
import Foundation
import Testing

@Suite("Start-up recovery")
struct RecoveryTests {
    @Test func staleTempFilesAndUncommittedPlacementsAreRemoved() throws {
        let root = NSTemporaryDirectory() + "depot-recovery-\(UUID().uuidString)"
        let host = ProcessInfo.processInfo.hostName.filter { $0.isLetter || $0.isNumber || $0 == "-" }
        try FileManager.default.createDirectory(atPath: root + "/.tmp", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/ns/2026-01-01", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        // A crashed request: its temp file, and a file it had linked into place before its rows were committed.
        let deadPID = 4_000_000  // above pid_max: never a live process
        let part = "\(root)/.tmp/\(host)-\(deadPID)-abc.part"
        try Data("partial".utf8).write(to: URL(fileURLWithPath: part))
        try Data("orphan".utf8).write(to: URL(fileURLWithPath: root + "/ns/2026-01-01/orphan.bin"))
        let journal = "B t1\n  new\t/ns/2026-01-01/orphan.bin\nB t2\n  new\t/ns/2026-01-01/done.bin\nE t2\n"
        try Data(journal.utf8).write(to: URL(fileURLWithPath: "\(root)/.tmp/\(host)-\(deadPID).journal"))
        // A placement that finished (its rows committed) is kept.
        try Data("done".utf8).write(to: URL(fileURLWithPath: root + "/ns/2026-01-01/done.bin"))
        // A file that is not in any journal is left alone (it may belong to another tool).
        try Data("keep".utf8).write(to: URL(fileURLWithPath: root + "/ns/2026-01-01/unrelated.bin"))

        let responder = try ResponderProcess(environment: ["DEPOT_STORAGE_ROOT": root])
        #expect(!FileManager.default.fileExists(atPath: part))
        #expect(!FileManager.default.fileExists(atPath: root + "/ns/2026-01-01/orphan.bin"))
        #expect(FileManager.default.fileExists(atPath: root + "/ns/2026-01-01/unrelated.bin"))
        #expect(FileManager.default.fileExists(atPath: root + "/ns/2026-01-01/done.bin"))
        // Only the live responder's own journal remains, named by node and a random start id.
        let remaining = try FileManager.default.contentsOfDirectory(atPath: root + "/.tmp")
        #expect(remaining.count == 1 && remaining[0].hasPrefix("\(host)-") && remaining[0].hasSuffix(".journal"), "\(remaining)")
        #expect(!remaining.contains("\(host)-\(deadPID).journal"))
        #expect(responder.stderrText.contains("start-up sweep removed 2 files"))
        #expect(responder.stop() == 0)
    }

    /// Uploads `bytes` as `/cms/{date}/{name}` and returns the row's id and path.
    func upload(_ responder: ResponderProcess, _ name: String, _ bytes: [UInt8]) throws -> (id: String, path: String) {
        var form = MultipartBodyBuilder()
        form.file("file", filename: name, bytes)
        let response = try responder.client.send(
            method: "POST", uri: "/api/uploads/cms?name=original&overwrite=1", body: form.finished(), contentType: form.contentType)
        let file = (data(response)["files"] as? [[String: Any]])?.first ?? [:]
        return (file["id"] as? String ?? "", file["path"] as? String ?? "")
    }

    func inode(_ path: String) -> UInt64 {
        var status = stat()
        return stat(path, &status) == 0 ? UInt64(status.st_ino) : 0
    }

    @Test func aCommittedOverwriteIsRolledForward() throws {
        // kill -9 between an overwrite's commit and its rename: the row describes the staged bytes,
        // so recovery must rename them into place (it used to delete them, keeping the old bytes).
        let first = try ResponderProcess()
        let (id, path) = try upload(first, "report.txt", Array("old bytes".utf8))
        #expect(first.stop() == 0)
        let root = first.directory + "/storage"
        let token = "deadnode-0123456789ab-7"
        try Data("new bytes".utf8).write(to: URL(fileURLWithPath: root + path + ".\(token).staging"))
        let journal = "B \(token)\n  replace\t\(id)\t\(path)\t0\n"
        try Data(journal.utf8).write(to: URL(fileURLWithPath: root + "/.tmp/deadnode-0123456789ab.journal"))
        // An uncommitted overwrite of the same path (its row id is not the row's): rolled back.
        try Data("never committed".utf8).write(to: URL(fileURLWithPath: root + path + ".deadnode-0123456789ab-8.staging"))
        try Data((journal + "B deadnode-0123456789ab-8\n  replace\tother-id\t\(path)\t0\n").utf8).write(
            to: URL(fileURLWithPath: root + "/.tmp/deadnode-0123456789ab.journal"))

        let second = try ResponderProcess(directory: first.directory, environment: ["DEPOT_SERVER_NODE": "deadnode"])
        #expect(try String(contentsOfFile: root + path, encoding: .utf8) == "new bytes")
        #expect(!FileManager.default.fileExists(atPath: root + path + ".\(token).staging"))
        #expect(!FileManager.default.fileExists(atPath: root + path + ".deadnode-0123456789ab-8.staging"))
        #expect(second.stderrText.contains("completed 1 committed overwrites"), "\(second.stderrText)")
        #expect(second.stop() == 0)
        withExtendedLifetime(first) {}
    }

    @Test func aNodeRecoversOnlyItsOwnWorkNeverAnotherNodes() throws {
        // Two nodes share one storage root: node "a" died mid-placement; node "b" starting must not
        // touch a's journal or temp files (a's lock may not be visible across machines), and "a"
        // cleans them up when it starts again.
        let first = try ResponderProcess(environment: ["DEPOT_SERVER_NODE": "a"])
        #expect(first.stop() == 0)
        let root = first.directory + "/storage"
        try FileManager.default.createDirectory(atPath: root + "/ns/2026-01-01", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: root + "/ns/2026-01-01/orphan.bin", contents: Data("x".utf8))
        let journal = "B a-0123456789ab-1\n  new\tid-1\t/ns/2026-01-01/orphan.bin\t\(inode(root + "/ns/2026-01-01/orphan.bin"))\n"
        try Data(journal.utf8).write(to: URL(fileURLWithPath: root + "/.tmp/a-0123456789ab.journal"))
        _ = FileManager.default.createFile(atPath: root + "/.tmp/a-0123456789ab.0000.part", contents: Data("y".utf8))

        let other = try ResponderProcess(directory: first.directory, environment: ["DEPOT_SERVER_NODE": "b"])
        #expect(FileManager.default.fileExists(atPath: root + "/.tmp/a-0123456789ab.journal"))
        #expect(FileManager.default.fileExists(atPath: root + "/.tmp/a-0123456789ab.0000.part"))
        #expect(FileManager.default.fileExists(atPath: root + "/ns/2026-01-01/orphan.bin"))
        #expect(other.stop() == 0)

        let again = try ResponderProcess(directory: first.directory, environment: ["DEPOT_SERVER_NODE": "a"])
        #expect(!FileManager.default.fileExists(atPath: root + "/.tmp/a-0123456789ab.journal"))
        #expect(!FileManager.default.fileExists(atPath: root + "/.tmp/a-0123456789ab.0000.part"))
        #expect(!FileManager.default.fileExists(atPath: root + "/ns/2026-01-01/orphan.bin"))
        #expect(again.stop() == 0)
    }

    @Test func aCommittedDeleteLosesItsFile() throws {
        // kill -9 between a delete's commit and its unlink: the file must not stay without its row.
        let responder = try ResponderProcess()
        let root = responder.directory + "/storage"
        let (_, kept) = try upload(responder, "kept.txt", Array("kept".utf8))
        #expect(responder.stop() == 0)
        let orphan = FileManager.default.createFile(atPath: root + "/cms/orphan.txt", contents: Data("orphan".utf8))
        #expect(orphan)
        let reused = root + "/cms/reused.txt"
        _ = FileManager.default.createFile(atPath: reused, contents: Data("someone else's".utf8))
        let journal = "B n-aaaaaaaaaaaa-1\n  delete\tgone-id\t/cms/orphan.txt\t\(inode(root + "/cms/orphan.txt"))\n"
            + "B n-aaaaaaaaaaaa-2\n  delete\tgone-id2\t/cms/reused.txt\t\(inode(reused) + 1)\n"  // not the inode it deleted
            + "B n-aaaaaaaaaaaa-3\n  delete\tstill-there\t\(kept)\t\(inode(root + kept))\n"  // delete not committed
        try Data(journal.utf8).write(to: URL(fileURLWithPath: root + "/.tmp/n-aaaaaaaaaaaa.journal"))
        let second = try ResponderProcess(directory: responder.directory, environment: ["DEPOT_SERVER_NODE": "n"])
        #expect(!FileManager.default.fileExists(atPath: root + "/cms/orphan.txt"))
        #expect(FileManager.default.fileExists(atPath: reused))
        #expect(FileManager.default.fileExists(atPath: root + kept))
        #expect(second.stop() == 0)
        withExtendedLifetime(responder) {}
    }

    @Test func aLiveInstancesJournalAndTempFilesAreNeverTouched() throws {
        // Two responders on one storage root (as after a restart that reused the pid, or a second
        // node): the second must not recover or sweep the first one's work in progress.
        let first = try ResponderProcess()
        let root = first.directory + "/storage"
        let journals = try FileManager.default.contentsOfDirectory(atPath: root + "/.tmp").filter { $0.hasSuffix(".journal") }
        #expect(journals.count == 1)
        let instance = String(journals[0].dropLast(".journal".count))
        let part = root + "/.tmp/\(instance).0000-in-progress.part"
        _ = FileManager.default.createFile(atPath: part, contents: Data("upload in flight".utf8))
        let second = try ResponderProcess(
            environment: ["DEPOT_STORAGE_ROOT": root, "DEPOT_DATABASE_PATH": first.directory + "/depot.sqlite3"])
        #expect(FileManager.default.fileExists(atPath: part))
        #expect(FileManager.default.fileExists(atPath: root + "/.tmp/" + journals[0]))
        #expect(second.stop() == 0)
        #expect(first.stop() == 0)
        // Once the first is gone, the next start sweeps what it left.
        let third = try ResponderProcess(directory: first.directory)
        #expect(!FileManager.default.fileExists(atPath: part))
        #expect(third.stop() == 0)
    }
}
