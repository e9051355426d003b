import Dispatch

/// Lets at most `limit` callers run a body at once; the others wait their turn.
package final class CountingGate: Sendable {
    private let slots: DispatchSemaphore

    package init(_ limit: Int) { self.slots = DispatchSemaphore(value: max(1, limit)) }

    package func pass<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        self.slots.wait()
        defer { self.slots.signal() }
        return try body()
    }
}
