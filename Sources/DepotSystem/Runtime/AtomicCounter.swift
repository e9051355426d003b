import Glibc

/// A lock-protected counter (for thread numbering only).
final class AtomicCounter: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var value = 0
    init() { pthread_mutex_init(&self.mutex, nil) }
    func next() -> Int {
        pthread_mutex_lock(&self.mutex)
        defer { pthread_mutex_unlock(&self.mutex) }
        self.value += 1
        return self.value - 1
    }
}
