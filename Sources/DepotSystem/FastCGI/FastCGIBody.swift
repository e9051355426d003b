internal import CFastCGI
import DepotCore
import Glibc

/// Reads FCGI_STDIN through libfcgi's buffered stream.
package final class FastCGIBody: RequestBody {
    private let request: UnsafeMutablePointer<FCGX_Request>
    /// Bytes handed to the handler so far.
    private(set) var bytesRead: Int64 = 0

    init(request: UnsafeMutablePointer<FCGX_Request>) { self.request = request }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let count = Int32(clamping: buffer.count)
        let got = FCGX_GetStr(base.assumingMemoryBound(to: CChar.self), count, self.request.pointee.in)
        if got < 0 || (got == 0 && FCGX_GetError(self.request.pointee.in) != 0) { throw TransportError.peerGone }
        self.bytesRead += Int64(got)
        return Int(got)
    }
}
