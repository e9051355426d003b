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

    package init(namespace: String, path: String, contentType: String, originFilename: String, sha256: String) {
        self.namespace = namespace
        self.path = path
        self.contentType = contentType
        self.originFilename = originFilename
        self.sha256 = sha256
    }
}
