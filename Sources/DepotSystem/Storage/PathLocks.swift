import Foundation

/// In-process exclusion per stored path: a fixed set of lock stripes chosen by the path's hash.
///
/// Whatever changes which bytes a path names (an overwrite's commit and rename, a delete's commit
/// and unlink) holds the path's stripe across both steps, so two such changes reach the database
/// and the disk in the same order. Several paths are locked in stripe order, so two requests can
/// never wait for each other.
final class PathLocks: Sendable {
    private let stripes: [NSLock]

    init(stripes: Int = 256) {
        self.stripes = (0..<max(1, stripes)).map { _ in NSLock() }
    }

    /// Runs `body` holding the stripes of every path.
    func withLocks<T>(_ paths: [String], _ body: () throws -> T) rethrows -> T {
        let indices = Set(paths.map { self.stripe(of: $0) }).sorted()
        for index in indices { self.stripes[index].lock() }
        defer { for index in indices.reversed() { self.stripes[index].unlock() } }
        return try body()
    }

    private func stripe(of path: String) -> Int {
        // FNV-1a: stable across runs (Swift's Hasher is seeded per process), cheap, well spread.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in path.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(hash % UInt64(self.stripes.count))
    }
}
