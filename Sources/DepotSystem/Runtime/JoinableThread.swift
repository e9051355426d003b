import Glibc

/// A POSIX thread running a closure; `join()` waits for it.
package final class JoinableThread: @unchecked Sendable {
    // Written once in init, then only read.
    private var thread: pthread_t = 0

    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    /// Starts the thread.
    /// - Parameter stackSize: bytes of stack; handlers are plain blocking code and need little.
    package init(stackSize: Int = 1 << 20, _ body: @escaping @Sendable () -> Void) throws(SystemError) {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, stackSize)
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        let result = pthread_create(&self.thread, &attributes, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        if result != 0 {
            Unmanaged<Box>.fromOpaque(box).release()
            throw SystemError(errno: result, function: "pthread_create")
        }
    }

    /// Waits for the thread to end.
    package func join() {
        pthread_join(self.thread, nil)
    }
}
