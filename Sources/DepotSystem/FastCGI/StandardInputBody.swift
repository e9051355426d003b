import DepotCore
import Glibc

/// The request body as CGI delivers it: stdin.
package final class StandardInputBody: RequestBody {
    package init() {}

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        do {
            return try syscall("read") { Glibc.read(0, base, buffer.count) }
        } catch {
            throw TransportError.peerGone
        }
    }
}
