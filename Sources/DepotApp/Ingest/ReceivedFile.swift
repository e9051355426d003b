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
}
