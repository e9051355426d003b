import DepotCore
import DepotSystem

/// A request body that counts what it delivers and notices when it ends before its Content-Length.
package final class CountingBody: RequestBody {
    private let source: any RequestBody
    private let declaredLength: Int64?
    package private(set) var bytesRead: Int64 = 0

    package init(_ source: any RequestBody, declaredLength: Int?) {
        self.source = source
        self.declaredLength = declaredLength.map(Int64.init)
    }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var target = buffer
        if let declared = self.declaredLength {
            let left = declared - self.bytesRead
            guard left > 0 else { return 0 }
            if Int64(target.count) > left { target = UnsafeMutableRawBufferPointer(rebasing: target[..<Int(left)]) }
        }
        let got = try self.source.read(into: target)
        if got == 0, let declared = self.declaredLength, self.bytesRead < declared { throw TransportError.truncated }
        self.bytesRead += Int64(got)
        return got
    }

    /// Reads the whole body into memory, refusing more than `limit` bytes.
    /// - Throws: `APIError` 413 when the body is larger than `limit`; 400 when it is truncated.
    package func readAll(limit: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let got = try chunk.withUnsafeMutableBytes { try self.read(into: $0) }
            if got == 0 { return bytes }
            guard bytes.count + got <= limit else { throw APIError(.payloadTooLarge, "the request body is too large") }
            bytes.append(contentsOf: chunk[..<got])
        }
    }
}
