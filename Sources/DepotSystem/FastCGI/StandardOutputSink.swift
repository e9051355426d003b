import DepotCore
import Glibc

/// The response as CGI sends it: stdout, buffered in 64 KiB blocks.
package final class StandardOutputSink: ResponseOutput {
    private var buffer: [UInt8] = []
    private let capacity = 64 * 1024

    package init() { self.buffer.reserveCapacity(self.capacity) }

    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        if self.buffer.count + bytes.count > self.capacity { try self.flush() }
        if bytes.count >= self.capacity {
            try Self.writeAll(bytes)
        } else {
            self.buffer.append(contentsOf: bytes)
        }
    }

    package func flush() throws {
        guard !self.buffer.isEmpty else { return }
        try self.buffer.withUnsafeBytes { buffer in try Self.writeAll(buffer) }
        self.buffer.removeAll(keepingCapacity: true)
    }

    package func abort() {
        self.buffer.removeAll()
        close(1)
    }

    private static func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        do {
            try FileDescriptor.standardOutput.writeAll(bytes)
        } catch {
            throw TransportError.peerGone
        }
    }
}

/// The CGI environment (RFC 3875 meta-variables) of this process.
package func processEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    var cursor = environ
    while let entry = cursor.pointee {
        let text = String(cString: entry)
        if let equals = text.firstIndex(of: "=") {
            result[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        cursor += 1
    }
    return result
}
