import Glibc

/// An operating-system error: the errno and the function that returned it.
package struct SystemError: Error, Sendable, CustomStringConvertible, Equatable {
    package var errno: Int32
    package var function: String

    package init(errno: Int32, function: String) {
        self.errno = errno
        self.function = function
    }

    /// ENOSPC from a check of free space (no syscall failed, but the next write would).
    package static func noSpace(_ function: String) -> SystemError { SystemError(errno: ENOSPC, function: function) }

    /// True when the disk (or a quota) is full.
    package var isNoSpace: Bool { self.errno == ENOSPC || self.errno == EDQUOT }

    package var description: String { "\(self.function): \(String(cString: strerror(self.errno))) (errno \(self.errno))" }
}

/// Runs a syscall-like body, retrying on EINTR, and turns -1 into a `SystemError`.
@discardableResult
package func syscall<Result: BinaryInteger>(
    _ function: String, retryOnInterrupt: Bool = true, _ body: () -> Result
) throws(SystemError) -> Result {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = Glibc.errno
        if retryOnInterrupt && code == EINTR { continue }
        throw SystemError(errno: code, function: function)
    }
}
