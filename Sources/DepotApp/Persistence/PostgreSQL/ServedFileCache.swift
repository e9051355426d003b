import Synchronization

/// The rows downloads read, kept per node so that a download needs no round trip to PostgreSQL.
///
/// It is only on while a listener hears the database's invalidations (`enable`): a delete or an
/// overwrite commits a `NOTIFY` with the file's id, and every node's listener removes that id.
/// The writing node also removes it itself right after its commit, so a node always reads its own
/// writes; another node sees them once the notification arrives (on one network, well under a
/// millisecond). When the listener loses the database the cache is turned off and emptied, and
/// every read goes to PostgreSQL until the listener is back.
///
/// A read that raced an invalidation must not put the old row back: `fill` takes the generation
/// read before the query, and any invalidation since then bumps it and refuses the fill.
package final class ServedFileCache: Sendable {
    private struct State {
        var enabled = false
        var generation: UInt64 = 0
        var files: [String: ServedFile] = [:]
        var idByPath: [String: String] = [:]
        var hits = 0
        var misses = 0
    }

    private let state = Mutex(State())
    /// Entries kept at most; past it the cache starts again empty. 0: never on.
    package let capacity: Int

    package init(capacity: Int) { self.capacity = capacity }

    /// A hit, or the generation to pass to `fill` after asking the database.
    package enum Lookup: Equatable {
        case hit(ServedFile)
        case miss(generation: UInt64)
    }

    package func lookup(id: String) -> Lookup {
        self.state.withLock { state in
            if state.enabled, let file = state.files[id] {
                state.hits += 1
                return .hit(file)
            }
            state.misses += 1
            return .miss(generation: state.generation)
        }
    }

    package func lookup(path: String) -> Lookup {
        self.state.withLock { state in
            if state.enabled, let id = state.idByPath[path], let file = state.files[id] {
                state.hits += 1
                return .hit(file)
            }
            state.misses += 1
            return .miss(generation: state.generation)
        }
    }

    /// Keeps a row read from the database, unless the cache was off or anything was invalidated
    /// since `generation` was handed out.
    package func fill(id: String, _ file: ServedFile, generation: UInt64) {
        self.state.withLock { state in
            guard state.enabled, state.generation == generation else { return }
            if state.files.count >= self.capacity {
                state.files.removeAll(keepingCapacity: true)
                state.idByPath.removeAll(keepingCapacity: true)
            }
            if let old = state.files[id], old.path != file.path { state.idByPath[old.path] = nil }
            state.files[id] = file
            state.idByPath[file.path] = id
        }
    }

    /// Forgets the row with this id (it was deleted or replaced).
    package func invalidate(id: String) {
        self.state.withLock { state in
            state.generation &+= 1
            if let old = state.files.removeValue(forKey: id), state.idByPath[old.path] == id { state.idByPath[old.path] = nil }
        }
    }

    /// Starts serving from memory (the listener is connected and listening). Empties the cache
    /// first: invalidations sent while nobody listened are lost.
    package func enable() { self.reset(enabled: self.capacity > 0) }

    /// Stops serving from memory (the listener lost the database) and empties the cache.
    package func disable() { self.reset(enabled: false) }

    private func reset(enabled: Bool) {
        self.state.withLock { state in
            state.generation &+= 1
            state.enabled = enabled
            state.files.removeAll()
            state.idByPath.removeAll()
        }
    }

    package var isEnabled: Bool { self.state.withLock { $0.enabled } }

    /// Lookups answered from memory and from the database since start-up.
    package var counts: (hits: Int, misses: Int) { self.state.withLock { ($0.hits, $0.misses) } }
}
