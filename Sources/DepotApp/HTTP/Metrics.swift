import DepotCore
import DepotSystem
import Foundation
import Synchronization

/// Request counters, byte totals, a duration histogram and the in-flight gauge, rendered as
/// Prometheus text (exposition format 0.0.4).
package final class Metrics: Sendable {
    package static let durationBuckets: [Double] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    private struct RequestKey: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    private struct State {
        var requests: [RequestKey: Int64] = [:]
        var bytesIn: Int64 = 0
        var bytesOut: Int64 = 0
        var bucketCounts = [Int64](repeating: 0, count: Metrics.durationBuckets.count)
        var durationSum: Double = 0
        var durationCount: Int64 = 0
        var inFlight: Int64 = 0
    }

    /// Shards picked by thread, so workers rarely wait on each other; merged when rendered.
    private final class Shard: Sendable {
        let state = Mutex(State())
    }

    private let shards: [Shard] = (0..<16).map { _ in Shard() }

    /// This responder's `server.node` and store, exported as `depot_node_info`.
    private let node: String
    private let store: String

    package init(node: String = "", store: String = "") {
        self.node = node
        self.store = store
    }

    private var shard: Shard { self.shards[ThreadIndex.current % self.shards.count] }

    package func requestStarted() {
        self.shard.state.withLock { $0.inFlight += 1 }
    }

    /// Records a finished request.
    /// - Parameter route: the route pattern (never the raw path, which would explode the label set).
    package func requestFinished(route: String, method: String, status: Int, bytesIn: Int64, bytesOut: Int64, seconds: Double) {
        self.shard.state.withLock { state in
            state.inFlight -= 1
            state.requests[RequestKey(route: route, method: method, status: status), default: 0] += 1
            state.bytesIn += bytesIn
            state.bytesOut += bytesOut
            state.durationSum += seconds
            state.durationCount += 1
            if let index = Metrics.durationBuckets.firstIndex(where: { seconds <= $0 }) {
                state.bucketCounts[index] += 1
            }
        }
    }

    /// The Prometheus text exposition.
    package func render() -> String {
        var snapshot = State()
        for shard in self.shards {
            let part = shard.state.withLock { $0 }
            snapshot.requests.merge(part.requests, uniquingKeysWith: +)
            snapshot.bytesIn += part.bytesIn
            snapshot.bytesOut += part.bytesOut
            for index in snapshot.bucketCounts.indices { snapshot.bucketCounts[index] += part.bucketCounts[index] }
            snapshot.durationSum += part.durationSum
            snapshot.durationCount += part.durationCount
            snapshot.inFlight += part.inFlight
        }
        var out = ""
        out += "# HELP depot_node_info This responder: its node name and store.\n# TYPE depot_node_info gauge\n"
        out += "depot_node_info{node=\"\(escape(self.node))\",store=\"\(escape(self.store))\"} 1\n"
        out += "# HELP depot_requests_total Requests handled, by route pattern, method and status.\n"
        out += "# TYPE depot_requests_total counter\n"
        let keys = snapshot.requests.keys.sorted {
            ($0.route, $0.method, $0.status) < ($1.route, $1.method, $1.status)
        }
        for key in keys {
            out += "depot_requests_total{route=\"\(escape(key.route))\",method=\"\(escape(key.method))\",status=\"\(key.status)\"} \(snapshot.requests[key]!)\n"
        }
        out += "# HELP depot_request_bytes_total Request body bytes received.\n# TYPE depot_request_bytes_total counter\n"
        out += "depot_request_bytes_total \(snapshot.bytesIn)\n"
        out += "# HELP depot_response_bytes_total Response bytes sent (head and body).\n# TYPE depot_response_bytes_total counter\n"
        out += "depot_response_bytes_total \(snapshot.bytesOut)\n"
        out += "# HELP depot_request_duration_seconds Time from accept to the last byte handed to nginx.\n"
        out += "# TYPE depot_request_duration_seconds histogram\n"
        var cumulative: Int64 = 0
        for (index, bound) in Metrics.durationBuckets.enumerated() {
            cumulative += snapshot.bucketCounts[index]
            out += "depot_request_duration_seconds_bucket{le=\"\(bound)\"} \(cumulative)\n"
        }
        out += "depot_request_duration_seconds_bucket{le=\"+Inf\"} \(snapshot.durationCount)\n"
        out += "depot_request_duration_seconds_sum \(snapshot.durationSum)\n"
        out += "depot_request_duration_seconds_count \(snapshot.durationCount)\n"
        out += "# HELP depot_requests_in_flight Requests being handled now.\n# TYPE depot_requests_in_flight gauge\n"
        out += "depot_requests_in_flight \(snapshot.inFlight)\n"
        // The process gauges Prometheus clients export by convention: what a soak or an operator watches.
        out += "# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\n"
        out += "process_resident_memory_bytes \(Memory.residentBytes())\n"
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        out += "# HELP process_open_fds Open file descriptors.\n# TYPE process_open_fds gauge\n"
        out += "process_open_fds \(max(0, descriptors - 1))\n"
        return out
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
