import DepotSystem
import Foundation
import Glibc
import Testing

/// Appending with O_DIRECT for whole blocks and the page cache for the rest: every byte lands at
/// its offset whatever the chunk sizes and wherever the stream starts.
@Suite struct DirectAppenderTests {
    /// `mode`: 0 through the page cache, 1 O_DIRECT, 2 O_DIRECT with full buffers written by the
    /// appender's own thread.
    @Test(arguments: [0, 1, 4095, 4096, 10_000], [0, 1, 2])
    func bytesLandInOrderFromAnyOffset(start: Int, mode: Int) throws {
        let direct = mode > 0
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("depot-append-\(UUID().uuidString)").path
        defer { unlink(path) }
        let head = (0..<start).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        FileManager.default.createFile(atPath: path, contents: Data(head))
        let descriptor = try FileDescriptor.open(path, O_WRONLY)
        defer { descriptor.close() }
        let body = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 13) }
        let appender = try DirectAppender(path: path, buffered: descriptor, offset: Int64(start), capacity: 64 << 10, direct: direct, background: mode == 2)
        // /tmp here is ext4, which takes O_DIRECT: with `direct` that path is the one under test.
        #expect(appender.isDirect == direct)
        var position = 0
        var step = 1
        while position < body.count {
            let count = min(step, body.count - position)
            body[position..<(position + count)].withUnsafeBytes { try? appender.append($0) }
            position += count
            step = step * 7 % 100_003 + 1
            if position % 5 == 0 && mode < 2 { try appender.flush() }  // a save mid-stream, at an odd offset
        }
        try appender.flush()
        #expect(appender.written == Int64(start + body.count))
        let stored = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(stored.count == start + body.count)
        #expect(stored == head + body)
    }

    /// An appender dropped mid-stream (a failed request) stops its writer thread and frees its
    /// buffers in deinit, with a buffer still in the writer's hands.
    @Test func aDroppedBackgroundAppenderStopsItsThread() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("depot-append-\(UUID().uuidString)").path
        defer { unlink(path) }
        FileManager.default.createFile(atPath: path, contents: nil)
        let descriptor = try FileDescriptor.open(path, O_WRONLY)
        defer { descriptor.close() }
        func threads() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? -1 }
        let before = threads()
        for _ in 0..<20 {
            let appender = try DirectAppender(path: path, buffered: descriptor, offset: 0, capacity: 64 << 10, background: true)
            let chunk = [UInt8](repeating: 7, count: 200_000)
            try chunk.withUnsafeBytes { try appender.append($0) }
        }
        // Each appender's thread is gone by the time its deinit returns: 20 leaked threads would
        // show (other suites running at once may add a few of their own).
        #expect(threads() < before + 10, "\(before) threads before, \(threads()) after")
    }
}
