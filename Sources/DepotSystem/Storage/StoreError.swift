import DepotCore
import Foundation
import Glibc
import Synchronization

/// Why a store operation failed.
package enum StoreError: Error, Sendable {
    /// A file already exists at the target and overwriting was not asked for.
    case exists(String)
    /// A stored path that could name something outside its folder (`..`, empty segments).
    case unsafePath(String)
    case system(SystemError)
}
