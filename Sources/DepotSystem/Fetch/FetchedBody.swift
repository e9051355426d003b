internal import CCurl
import DepotCore
import Foundation
import Glibc

/// What a successful fetch produced: the body in a temp file, hashed and sniffed on the way.
package struct FetchedBody {
    package var temp: TempFile
    package var sha256: String
    package var finalURL: URL
}
