import DepotCore
import Foundation
import Glibc
import Synchronization

/// The crash journal of one responder instance: an append-only file of operations on the storage
/// root in progress, `B token` and its lines before, `E token` after. One `write(2)` per record
/// with O_APPEND, so records from threads never interleave.
///
/// An instance is named by its node and a random start id (`{node}-{12 hex}`), never by its pid:
/// containers restart as pid 1 and pids wrap, and a journal named by pid was mistaken for the new
/// process's own and never recovered. The instance holds an exclusive `flock` on its journal for
/// its whole life; a journal nobody holds belongs to an instance that is gone, whatever its pid was.
final class Journal: Sendable {
    /// `{node}-{random}`: also the prefix of the instance's temp and staging names.
    let instance: String
    let path: String
    private let descriptor: FileDescriptor
    private let durable: Bool
    private let state = Mutex<(inFlight: Int, bytes: Int)>((0, 0))

    /// Creates this instance's journal, locked until the process ends. It is made under a name no
    /// recovery looks at, locked, then renamed into place, so no other process can find it unlocked.
    /// - Parameters:
    ///   - directory: the storage root's `.tmp`.
    ///   - node: this node's name (letters, digits and `-` only).
    ///   - durable: flush each begin record to disk before the step it protects.
    init(directory: String, node: String, durable: Bool) throws(SystemError) {
        self.instance = "\(node)-\(StorageNaming.randomUUID().replacingOccurrences(of: "-", with: "").prefix(12))"
        self.path = "\(directory)/\(self.instance).journal"
        self.durable = durable
        let fresh = "\(self.path)-new"
        let descriptor = try FileDescriptor.open(fresh, O_WRONLY | O_CREAT | O_EXCL | O_APPEND)
        guard flock(descriptor.rawValue, LOCK_EX | LOCK_NB) == 0, rename(fresh, self.path) == 0 else {
            let error = SystemError(errno: errno, function: "lock journal \(self.path)")
            descriptor.close()
            unlink(fresh)
            throw error
        }
        self.descriptor = descriptor
    }

    deinit {
        self.removeIfIdle()
        self.descriptor.close()
    }

    /// Removes the journal file when no operation is in flight (a clean stop leaves nothing to
    /// recover); its descriptor, and so its lock, stays until deinit.
    func removeIfIdle() {
        self.state.withLock { state in
            if state.inFlight == 0 { unlink(self.path) }
        }
    }

    /// Records an operation about to start.
    /// - Throws: when the record cannot be written (a full disk): the operation must not start,
    ///   since a crash in it could not be repaired.
    func begin(token: String, lines: [String]) throws(SystemError) {
        let record = "B \(token)\n" + lines.map { "  \($0)\n" }.joined()
        try self.state.withLock { state throws(SystemError) in
            try self.write(record)
            state.inFlight += 1
            state.bytes += record.utf8.count
        }
        if self.durable { try self.descriptor.dataSync(what: "fdatasync(journal)") }
    }

    /// Records that an operation finished (done or undone); nothing to repair after a crash.
    func end(token: String) {
        self.state.withLock { state in
            state.inFlight -= 1
            let record = "E \(token)\n"
            // A lost end record only means recovery re-checks a finished operation, which is harmless.
            if (try? self.write(record)) != nil { state.bytes += record.utf8.count }
            // Nothing in flight: everything in the file is finished, so it can start over.
            if state.inFlight == 0 && state.bytes > 4 << 20 {
                try? self.descriptor.truncate(to: 0)
                state.bytes = 0
            }
        }
    }

    private func write(_ text: String) throws(SystemError) {
        try self.descriptor.writeAll(Array(text.utf8), what: "write(journal)")
    }

    // MARK: Other instances

    /// True when `instance` was made by `node`: `{node}-{12 hex}`, or from earlier versions
    /// `{node}-{pid}` (journals) and `{node}-{pid}-{suffix}` (temp files).
    static func instance(_ instance: String, belongsTo node: String) -> Bool {
        guard instance.hasPrefix(node + "-") else { return false }
        let rest = instance.utf8.dropFirst(node.utf8.count + 1)
        if rest.count == 12 && rest.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) { return true }
        let pid = rest.prefix { $0 != UInt8(ascii: "-") }
        return !pid.isEmpty && pid.count <= 10 && pid.allSatisfy { $0 >= 48 && $0 <= 57 }
    }

    /// True while the instance that owns `{directory}/{instance}.journal` runs (it holds the lock).
    static func isLive(instance: String, in directory: String) -> Bool {
        let fd = open("\(directory)/\(instance).journal", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK
    }

    /// The journals in `directory` whose instances are gone: each is locked, handed to `repair` with
    /// its unfinished operations, then removed. A journal another process is recovering is skipped.
    /// - Parameter node: only this node's journals (nil: every node's, as `depot check --repair`).
    /// - Returns: the instances whose journals are live (this one included).
    static func recoverDead(
        in directory: String, node: String?, repair: (_ instance: String, _ unfinished: [(token: String, lines: [String])]) throws -> Void
    ) rethrows -> Set<String> {
        var live: Set<String> = []
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasSuffix(".journal") {
            let instance = String(name.dropLast(".journal".count))
            if let node, !Journal.instance(instance, belongsTo: node) {
                // Another node's: never touched, whatever its lock says (locks do not always hold
                // across machines on a shared volume).
                live.insert(instance)
                continue
            }
            let path = "\(directory)/\(name)"
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                live.insert(instance)
                continue
            }
            try repair(instance, Journal.unfinished(path))
            unlink(path)
        }
        return live
    }

    /// Operations that began in a journal file but never ended.
    static func unfinished(_ path: String) -> [(token: String, lines: [String])] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        var open: [(token: String, lines: [String])] = []
        var current: Int?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("B ") {
                open.append((String(line.dropFirst(2)), []))
                current = open.count - 1
            } else if line.hasPrefix("E ") {
                let token = String(line.dropFirst(2))
                open.removeAll { $0.token == token }
                current = nil
            } else if line.hasPrefix("  "), let index = current, index < open.count {
                open[index].lines.append(String(line.dropFirst(2)))
            }
        }
        return open
    }
}
