import DepotSystem
import Foundation
import Glibc
import Testing

/// Appending with O_DIRECT for whole blocks and the page cache for the rest: every byte lands at
/// its offset whatever the chunk sizes and wherever the stream starts.
@Suite struct DirectAppenderTests {
    @Test(arguments: [0, 1, 4095, 4096, 10_000], [true, false])
    func bytesLandInOrderFromAnyOffset(start: Int, direct: Bool) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("depot-append-\(UUID().uuidString)").path
        defer { unlink(path) }
        let head = (0..<start).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        FileManager.default.createFile(atPath: path, contents: Data(head))
        let descriptor = try FileDescriptor.open(path, O_WRONLY)
        defer { descriptor.close() }
        let body = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 13) }
        let appender = try DirectAppender(path: path, buffered: descriptor, offset: Int64(start), capacity: 64 << 10, direct: direct)
        // /tmp here is ext4, which takes O_DIRECT: with `direct` that path is the one under test.
        #expect(appender.isDirect == direct)
        var position = 0
        var step = 1
        while position < body.count {
            let count = min(step, body.count - position)
            body[position..<(position + count)].withUnsafeBytes { try? appender.append($0) }
            position += count
            step = step * 7 % 100_003 + 1
            if position % 5 == 0 { try appender.flush() }  // a save mid-stream, at an odd offset
        }
        try appender.flush()
        #expect(appender.written == Int64(start + body.count))
        let stored = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(stored.count == start + body.count)
        #expect(stored == head + body)
    }
}
