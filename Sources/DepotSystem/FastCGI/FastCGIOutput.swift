internal import CFastCGI
import DepotCore
import Glibc

/// Writes FCGI_STDOUT records through libfcgi's buffered stream.
package final class FastCGIOutput: ResponseOutput {
    private let request: UnsafeMutablePointer<FCGX_Request>

    init(request: UnsafeMutablePointer<FCGX_Request>) { self.request = request }

    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard var base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self) else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let chunk = Int32(min(remaining, 1 << 30))
            guard FCGX_PutStr(base, chunk, self.request.pointee.out) == chunk else { throw TransportError.peerGone }
            base += Int(chunk)
            remaining -= Int(chunk)
        }
    }

    package func flush() throws {
        guard FCGX_FFlush(self.request.pointee.out) == 0 else { throw TransportError.peerGone }
    }

    package func abort() {
        // Without FCGI_END_REQUEST nginx reports "upstream prematurely closed" and cuts the client off,
        // which is the only honest way to fail once a status has been sent.
        let fd = self.request.pointee.ipcFd
        if fd >= 0 { shutdown(fd, Int32(SHUT_RDWR)) }
    }
}
