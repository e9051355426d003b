import Foundation
import Synchronization

/// Wakes the checkpoint thread when the WAL has grown by `threshold` frames since the last wake-up,
/// at most once per checkpoint however many commits ask.
package final class CheckpointTrigger: Sendable {
    package let threshold: Int
    private let wake = DispatchSemaphore(value: 0)
    private let pending = Atomic<Bool>(false)
    /// WAL size when the last checkpoint was asked for. Counting growth from there, not the WAL's
    /// size, matters: under steady writes the WAL rarely gets reset, and "size over threshold" then
    /// fired a checkpoint (two fdatasyncs) after every commit.
    private let mark = Atomic<Int>(0)

    package init(threshold: Int) { self.threshold = threshold }

    /// Called by the writer after each commit (commits are serialised).
    package func commit(walFrames: Int) {
        var mark = self.mark.load(ordering: .relaxed)
        if walFrames < mark {  // the WAL started over from its beginning
            mark = 0
            self.mark.store(0, ordering: .relaxed)
        }
        guard walFrames - mark >= self.threshold else { return }
        self.mark.store(walFrames, ordering: .relaxed)
        guard !self.pending.exchange(true, ordering: .acquiringAndReleasing) else { return }
        self.wake.signal()
    }

    /// Blocks until a checkpoint is due.
    package func waitForWork() {
        self.wake.wait()
        self.pending.store(false, ordering: .releasing)
    }

    /// True if a checkpoint is due (then taken), without blocking.
    package func takeWork() -> Bool {
        guard self.wake.wait(timeout: .now()) == .success else { return false }
        self.pending.store(false, ordering: .releasing)
        return true
    }
}
