internal import CFastCGI
import DepotCore
import Glibc

/// Process-wide libfcgi set-up and listening sockets.
package enum FastCGI {
    /// Initialises libfcgi once, before any thread accepts.
    package static func initialize() throws(SystemError) {
        guard FCGX_Init() == 0 else { throw SystemError(errno: Glibc.errno, function: "FCGX_Init") }
    }

    /// True when stdin is not a socket, i.e. the process was started as a plain CGI program.
    package static var stdinIsNotASocket: Bool { FCGX_IsCGI() != 0 }

    /// Opens a listening Unix socket (mode 0660: only nginx's group may connect) or `host:port`.
    /// - Parameters:
    ///   - address: a filesystem path, or `host:port` (`:port` for every interface; never a public one).
    ///   - backlog: the listen queue length.
    /// - Returns: the listening file descriptor.
    package static func openSocket(_ address: String, backlog: Int32 = 1024) throws(SystemError) -> Int32 {
        let isPath = address.contains("/") || !address.contains(":")
        if isPath {
            // A stale socket from a crashed run would make bind fail.
            var status = stat()
            if lstat(address, &status) == 0 && (status.st_mode & S_IFMT) == S_IFSOCK { unlink(address) }
        }
        let fd = FCGX_OpenSocket(address, backlog)
        guard fd >= 0 else { throw SystemError(errno: Glibc.errno == 0 ? EADDRINUSE : Glibc.errno, function: "FCGX_OpenSocket(\(address))") }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        if isPath { chmod(address, 0o660) }
        return fd
    }
}
