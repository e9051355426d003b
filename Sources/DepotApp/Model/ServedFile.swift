import DepotCore
import Foundation

/// What a download reads of a file's row: fewer columns than `FileRecord`, so fewer strings
/// are made per download.
package struct ServedFile: Sendable, Equatable {
    package var namespace: String
    package var path: String
    package var contentType: String
    package var originFilename: String
    package var sha256: String
}
