/// What `depot check` compares of a file's row with the file on disk.
package struct StoredFileFacts: Sendable, Equatable {
    package var id: String
    package var path: String
    package var size: Int64
    package var sha256: String
}
