import DepotCore
import Foundation
import Glibc
import Synchronization

/// Line-oriented logging to stderr: one `write(2)` per line, so lines from threads never interleave.
package enum Log {
    package enum Level: String, Sendable { case info, warn, error }

    /// This responder's name in every line, set once at start-up (`server.node`).
    private static let nodeName = Mutex("")

    package static func setNode(_ node: String) { nodeName.withLock { $0 = node } }

    /// Writes `depot[pid] level: message`, or `depot[node/pid]` once a node name is set.
    package static func write(_ level: Level, _ message: String) {
        let node = nodeName.withLock { $0 }
        line("\(timestamp()) depot[\(node.isEmpty ? "" : node + "/")\(getpid())] \(level.rawValue): \(message)")
    }

    package static func info(_ message: String) { write(.info, message) }
    package static func warn(_ message: String) { write(.warn, message) }
    package static func error(_ message: String) { write(.error, message) }

    /// Writes one raw line.
    package static func line(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.append(UInt8(ascii: "\n"))
        // A log line that cannot be written has nowhere else to go.
        try? FileDescriptor.standardError.writeAll(bytes, what: "write(stderr)")
    }

    /// UTC time in ISO 8601 with milliseconds.
    package static func timestamp() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return CivilTime.utc(Int64(spec.tv_sec)).iso8601(milliseconds: Int(spec.tv_nsec / 1_000_000))
    }
}

/// A monotonic clock reading in seconds.
package func monotonicSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}
