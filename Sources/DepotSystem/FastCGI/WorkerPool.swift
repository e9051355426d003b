import DepotCore
import Dispatch
import Glibc
import Synchronization

/// N threads, each with its own `FCGX_Request`, each handling its request with plain blocking code.
/// They call accept concurrently: Linux wakes one waiter per connection, so the mutex of libfcgi's
/// examples/threaded.c (for platforms that need accept serialised) would only serialise reading the
/// parameters too.
///
/// Shutdown never touches the listening socket itself: with socket activation (systemd, or any
/// supervisor that keeps the socket and passes it on stdin) it outlives this process, and the
/// connections queued in its backlog are the next process's to serve. Idle workers are woken out
/// of accept by a signal instead (`SIGUSR2`, blocked while a request is handled, so it can never
/// interrupt a request's system calls). On a socket this process made itself, the workers first
/// serve every connection already queued, since nothing else would.
package final class WorkerPool: Sendable {
    package typealias Handler = @Sendable (FastCGIRequestSlot) -> Void

    private let listenFD: Int32
    private let workerCount: Int
    private let drainOnShutdown: Bool
    private let handler: Handler
    private let threadStarted: @Sendable () -> Void
    private let stopping = Atomic<Bool>(false)
    private let exited = DispatchSemaphore(value: 0)
    private let threads = Mutex<[pthread_t]>([])

    /// The signal that wakes idle workers at shutdown.
    static let wakeSignal = SIGUSR2

    /// - Parameters:
    ///   - listenFD: the listening socket from `FastCGI.openSocket`, or an inherited one.
    ///   - workers: how many threads accept and handle requests.
    ///   - drainOnShutdown: serve the connections already queued before exiting (a socket this
    ///     process owns); false for an inherited socket, whose backlog the next process serves.
    ///   - threadStarted: runs once on each worker thread before it accepts (per-thread resources).
    ///   - handler: called on a worker thread for each accepted request; the pool calls `finish()` after it.
    package init(
        listenFD: Int32, workers: Int, drainOnShutdown: Bool = true, threadStarted: @escaping @Sendable () -> Void = {},
        handler: @escaping Handler
    ) {
        self.listenFD = listenFD
        self.workerCount = max(1, workers)
        self.drainOnShutdown = drainOnShutdown
        self.threadStarted = threadStarted
        self.handler = handler
    }

    /// Starts the worker threads.
    package func start() throws(SystemError) {
        // A handler without SA_RESTART, so the signal makes a blocked accept() fail with EINTR.
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(WorkerPool.wakeSignal, &action, nil)
        for index in 0..<self.workerCount {
            _ = try JoinableThread(stackSize: 4 << 20) { [self] in
                self.threads.withLock { $0.append(pthread_self()) }
                self.workerLoop(index: index)
                // Off the list before it ends: the wake-up signal only goes to threads that run.
                let me = pthread_self()
                self.threads.withLock { $0.removeAll { pthread_equal($0, me) != 0 } }
                self.exited.signal()
            }
        }
    }

    /// Stops accepting. Requests in flight go on; `awaitExit` waits for them.
    package func beginShutdown() {
        _ = self.stopping.exchange(true, ordering: .sequentiallyConsistent)
    }

    /// Waits for every worker to finish its current request (and, when draining, the queued
    /// connections), at most `grace` seconds, waking idle workers out of accept meanwhile.
    /// - Returns: the number of workers still running when the grace period ran out.
    package func awaitExit(grace: Double) -> Int {
        let deadline = DispatchTime.now() + grace
        var remaining = self.workerCount
        while remaining > 0 {
            // A worker blocked in accept holds nothing; the signal makes it look at `stopping`. It is
            // sent again and again: one that arrives just before a worker calls accept is not lost
            // work, only a missed wake-up.
            for thread in self.threads.withLock({ $0 }) { pthread_kill(thread, WorkerPool.wakeSignal) }
            let step = min(deadline, DispatchTime.now() + 0.02)
            if self.exited.wait(timeout: step) == .success {
                remaining -= 1
            } else if DispatchTime.now() >= deadline {
                return remaining
            }
        }
        return 0
    }

    private func workerLoop(index: Int) {
        self.threadStarted()
        let slot = FastCGIRequestSlot(listenFD: self.listenFD)
        var wake = sigset_t()
        sigemptyset(&wake)
        sigaddset(&wake, WorkerPool.wakeSignal)
        var consecutiveFailures = 0
        while true {
            if self.stopping.load(ordering: .sequentiallyConsistent) {
                guard self.drainOnShutdown, self.connectionQueued() else { break }
            }
            pthread_sigmask(SIG_UNBLOCK, &wake, nil)
            let result = slot.accept()
            pthread_sigmask(SIG_BLOCK, &wake, nil)
            guard result >= 0 else {
                if result == -EINTR || self.stopping.load(ordering: .sequentiallyConsistent) { continue }
                // EMFILE and the like: back off instead of spinning, then try again.
                consecutiveFailures += 1
                if consecutiveFailures == 1 { Log.warn("worker \(index): accept failed (errno \(-result))") }
                usleep(UInt32(min(consecutiveFailures, 100)) * 1000)
                continue
            }
            consecutiveFailures = 0
            self.handler(slot)
            slot.finish()
        }
    }

    /// True when a connection waits in the listening socket's backlog.
    private func connectionQueued() -> Bool {
        var descriptor = pollfd(fd: self.listenFD, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) == 1 && descriptor.revents & Int16(POLLIN) != 0
    }
}
