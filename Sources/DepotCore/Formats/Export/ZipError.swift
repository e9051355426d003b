import Foundation

package enum ZipError: Error, Sendable {
    /// More than 4 GiB in one entry or in the archive: zip64 would be needed.
    case tooLarge
}
