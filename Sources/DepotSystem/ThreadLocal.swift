import Glibc

/// A per-thread object slot (pthread keys); the object is released when its thread ends.
package final class ThreadLocal<Value: AnyObject>: @unchecked Sendable {
    // Created once in init, then only read.
    private var key = pthread_key_t()

    package init() {
        pthread_key_create(&self.key) { pointer in
            if let pointer { Unmanaged<AnyObject>.fromOpaque(pointer).release() }
        }
    }

    /// This thread's object, made by `make` the first time.
    package func value(_ make: () throws -> Value) rethrows -> Value {
        if let pointer = pthread_getspecific(self.key) {
            return Unmanaged<Value>.fromOpaque(pointer).takeUnretainedValue()
        }
        let value = try make()
        pthread_setspecific(self.key, Unmanaged.passRetained(value as AnyObject).toOpaque())
        return value
    }
}

/// A small number that tells threads apart: 0, 1, 2, ... in the order threads first ask.
package enum ThreadIndex {
    private final class Box { let index: Int; init(_ index: Int) { self.index = index } }
    private static let slot = ThreadLocal<Box>()
    private static let counter = AtomicCounter()

    package static var current: Int { slot.value { Box(counter.next()) }.index }
}

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
