import Glibc

/// A small number that tells threads apart: 0, 1, 2, ... in the order threads first ask.
package enum ThreadIndex {
    private final class Box { let index: Int; init(_ index: Int) { self.index = index } }
    private static let slot = ThreadLocal<Box>()
    private static let counter = AtomicCounter()

    package static var current: Int { slot.value { Box(counter.next()) }.index }
}
