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
