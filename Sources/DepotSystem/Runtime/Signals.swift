import Glibc

/// Termination signals handled synchronously: blocked in every thread, then taken with `sigwait`.
package enum TerminationSignals {
    private static func makeSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        return set
    }

    /// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts afterwards,
    /// and ignores SIGPIPE (a gone peer is reported by the write that failed).
    /// Call before starting any thread.
    package static func block() {
        // A handler, although the signals stay blocked and are taken by sigwait: as PID 1 of a PID
        // namespace (a container without an init), the kernel drops a signal whose disposition is
        // SIG_DFL, so `docker stop` or `kill -TERM` would never reach sigwait and the process would
        // only ever end by SIGKILL, with no graceful shutdown.
        signal(SIGTERM, TerminationSignals.noteSignal)
        signal(SIGINT, TerminationSignals.noteSignal)
        var set = makeSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    /// Never runs while the signals are blocked; it only has to exist.
    private static let noteSignal: @convention(c) (Int32) -> Void = { _ in }

    /// Waits until SIGTERM or SIGINT arrives.
    /// - Returns: the signal number.
    package static func wait() -> Int32 {
        var set = makeSet()
        var received: Int32 = 0
        while sigwait(&set, &received) != 0 {}
        return received
    }
}
