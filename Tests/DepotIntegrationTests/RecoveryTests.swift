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
        // Only the live responder's own journal remains.
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/.tmp").filter { !$0.hasPrefix(".healthz") } == ["\(host)-\(responder.pid).journal"])
        #expect(responder.stderrText.contains("start-up sweep removed 2 files"))
        #expect(responder.stop() == 0)
    }
}
