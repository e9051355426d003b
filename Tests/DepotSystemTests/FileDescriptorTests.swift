import DepotSystem
import Foundation
import Glibc
import Testing

@Suite struct FileDescriptorTests {
    @Test func writeAllThenReadBackAtOffsets() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("depot-fd-\(UUID().uuidString)").path
        defer { unlink(path) }
        let file = try FileDescriptor.open(path, O_RDWR | O_CREAT | O_EXCL)
        try file.closeAfter {
            let bytes = (0..<300_000).map { UInt8($0 % 251) }
            try file.writeAll(bytes)
            try file.dataSync()
            #expect(try file.size() == 300_000)
            var buffer = [UInt8](repeating: 0, count: 4)
            let got = try buffer.withUnsafeMutableBytes { try file.read(fromAbsoluteOffset: 251 * 100 + 2, into: $0) }
            #expect(got == 4 && buffer == [2, 3, 4, 5])
            try file.truncate(to: 10)
            #expect(try file.size() == 10)
        }
        // Closed: the descriptor no longer names the file.
        #expect(fcntl(file.rawValue, F_GETFD) == -1 || (try? FileDescriptor(rawValue: file.rawValue).size()) != 10)
    }

    @Test func errorsCarryTheErrnoAndWhatWasDone() {
        do {
            _ = try FileDescriptor.open("/nonexistent-depot/x", O_RDONLY)
            Issue.record("open should fail")
        } catch {
            #expect(error.errno == ENOENT && error.function == "open(/nonexistent-depot/x)")
        }
    }
}
