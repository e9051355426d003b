import DepotCore
import DepotSystem
import Foundation

/// One file part, received into a temp file with its hash and sniffed type.
struct ReceivedFile {
    var field: String
    var originalName: String
    var temp: TempFile
    var sha256: String
    var sniff: SniffResult

    /// This file's row, stored at `path` under `id`.
    func record(id: String, namespace: String, path: String, metadata: String, now: Date) -> FileRecord {
        FileRecord.make(
            id: id, namespace: namespace, path: path, field: self.field, originalName: self.originalName, size: self.temp.size,
            sha256: self.sha256, sniff: self.sniff, metadata: metadata, now: now)
    }
}
