import DepotApp
import Testing

/// The per-node file cache's rules, without a database.
@Suite struct ServedFileCacheTests {
    let file = ServedFile(namespace: "n", path: "n/a.txt", contentType: "text/plain", originFilename: "a.txt", sha256: "aa")

    @Test func itServesNothingUntilItsListenerTurnsItOn() {
        let cache = ServedFileCache(capacity: 10)
        guard case .miss(let generation) = cache.lookup(id: "1") else {
            Issue.record("hit while off")
            return
        }
        cache.fill(id: "1", self.file, generation: generation)
        #expect(cache.lookup(id: "1") != .hit(self.file))
        cache.enable()
        guard case .miss(let fresh) = cache.lookup(id: "1") else {
            Issue.record("the fill while off was kept")
            return
        }
        cache.fill(id: "1", self.file, generation: fresh)
        #expect(cache.lookup(id: "1") == .hit(self.file))
        #expect(cache.lookup(path: "n/a.txt") == .hit(self.file))
        // Losing the listener empties it: invalidations may be missed from now on.
        cache.disable()
        #expect(cache.lookup(id: "1") != .hit(self.file))
        cache.enable()
        #expect(cache.lookup(id: "1") != .hit(self.file))
    }

    @Test func aReadThatRacedAnInvalidationDoesNotPutTheOldRowBack() {
        let cache = ServedFileCache(capacity: 10)
        cache.enable()
        // A reader asked the database (old row) ...
        guard case .miss(let generation) = cache.lookup(id: "1") else {
            Issue.record("hit on an empty cache")
            return
        }
        // ... a delete committed and was heard before the reader's fill.
        cache.invalidate(id: "1")
        cache.fill(id: "1", self.file, generation: generation)
        #expect(cache.lookup(id: "1") != .hit(self.file))
        #expect(cache.lookup(path: "n/a.txt") != .hit(self.file))
    }

    @Test func invalidatingAnIdForgetsItsPathToo() {
        let cache = ServedFileCache(capacity: 10)
        cache.enable()
        guard case .miss(let generation) = cache.lookup(path: "n/a.txt") else {
            Issue.record("hit on an empty cache")
            return
        }
        cache.fill(id: "1", self.file, generation: generation)
        #expect(cache.lookup(path: "n/a.txt") == .hit(self.file))
        cache.invalidate(id: "1")
        #expect(cache.lookup(path: "n/a.txt") != .hit(self.file))
        // An unrelated id leaves other rows alone.
        guard case .miss(let next) = cache.lookup(id: "1") else {
            Issue.record("hit after invalidate")
            return
        }
        cache.fill(id: "1", self.file, generation: next)
        cache.invalidate(id: "2")
        #expect(cache.lookup(id: "1") == .hit(self.file))
    }

    @Test func itStaysWithinItsCapacity() {
        let cache = ServedFileCache(capacity: 3)
        cache.enable()
        for index in 0..<7 {
            var file = self.file
            file.path = "n/\(index)"
            guard case .miss(let generation) = cache.lookup(id: "\(index)") else {
            Issue.record("hit on a new id")
            return
        }
            cache.fill(id: "\(index)", file, generation: generation)
        }
        let kept = (0..<7).filter { if case .hit = cache.lookup(id: "\($0)") { true } else { false } }
        #expect(kept.count <= 3 && kept.contains(6), "\(kept)")
        // Capacity 0 is off for good.
        let off = ServedFileCache(capacity: 0)
        off.enable()
        #expect(!off.isEnabled)
    }
}
