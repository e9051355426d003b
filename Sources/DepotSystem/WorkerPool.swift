import DepotCore
import Dispatch
import Glibc
import Synchronization

/// N threads, each with its own `FCGX_Request`, each handling its request with plain blocking code.
/// They call accept concurrently: Linux wakes one waiter per connection, so the mutex of libfcgi's
/// examples/threaded.c (for platforms that need accept serialised) would only serialise reading the
/// parameters too.
package final class WorkerPool: Sendable {
    package typealias Handler = @Sendable (FastCGIRequestSlot) -> Void

    private let listenFD: Int32
    private let workerCount: Int
    private let handler: Handler
    private let threadStarted: @Sendable () -> Void
    private let stopping = Atomic<Bool>(false)
    private let exited = DispatchSemaphore(value: 0)

    /// - Parameters:
    ///   - listenFD: the listening socket from `FastCGI.openSocket`.
    ///   - workers: how many threads accept and handle requests.
    ///   - threadStarted: runs once on each worker thread before it accepts (per-thread resources).
    ///   - handler: called on a worker thread for each accepted request; the pool calls `finish()` after it.
    package init(listenFD: Int32, workers: Int, threadStarted: @escaping @Sendable () -> Void = {}, handler: @escaping Handler) {
        self.listenFD = listenFD
        self.workerCount = max(1, workers)
        self.threadStarted = threadStarted
        self.handler = handler
    }

    /// Starts the worker threads.
    package func start() throws(SystemError) {
        for index in 0..<self.workerCount {
            _ = try JoinableThread(stackSize: 4 << 20) { [self] in
                self.workerLoop(index: index)
                self.exited.signal()
            }
        }
    }

    /// Stops accepting. Requests in flight go on; `awaitExit` waits for them.
    package func beginShutdown() {
        guard !self.stopping.exchange(true, ordering: .sequentiallyConsistent) else { return }
        FastCGI.setShutdownPending()
        // A signal interrupts one thread at most; shutting the listening socket down makes every
        // blocked accept() return (EINVAL) so each worker sees the flag.
        shutdown(self.listenFD, Int32(SHUT_RDWR))
    }

    /// Waits for every worker to finish its current request, at most `grace` seconds.
    /// - Returns: the number of workers still busy when the grace period ran out.
    package func awaitExit(grace: Double) -> Int {
        let deadline = DispatchTime.now() + grace
        var remaining = self.workerCount
        while remaining > 0 {
            if self.exited.wait(timeout: deadline) == .timedOut { return remaining }
            remaining -= 1
        }
        return 0
    }

    private func workerLoop(index: Int) {
        self.threadStarted()
        let slot = FastCGIRequestSlot(listenFD: self.listenFD)
        var consecutiveFailures = 0
        while !self.stopping.load(ordering: .sequentiallyConsistent) {
            let accepted = slot.accept()
            guard accepted else {
                if self.stopping.load(ordering: .sequentiallyConsistent) { break }
                // EMFILE and the like: back off instead of spinning, then try again.
                consecutiveFailures += 1
                if consecutiveFailures == 1 { Log.warn("worker \(index): accept failed (errno \(errno))") }
                usleep(UInt32(min(consecutiveFailures, 100)) * 1000)
                continue
            }
            consecutiveFailures = 0
            self.handler(slot)
            slot.finish()
        }
    }
}
