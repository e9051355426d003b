import DepotCore
import DepotSystem
import Foundation

/// Streams a writer's bytes into the response, flushing each block to nginx.
final class ResponseSink: ByteSink {
    let response: ResponseWriter
    init(response: ResponseWriter) { self.response = response }
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try self.response.write(bytes)
        try self.response.flush()
    }
}
