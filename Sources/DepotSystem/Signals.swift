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
        var set = makeSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    /// Waits until SIGTERM or SIGINT arrives.
    /// - Returns: the signal number.
    package static func wait() -> Int32 {
        var set = makeSet()
        var received: Int32 = 0
        while sigwait(&set, &received) != 0 {}
        return received
    }
}
