import DepotCore
import Foundation

/// A configuration problem; start-up stops with this message.
package struct ConfigError: Error, Sendable, CustomStringConvertible {
    package var message: String
    package init(message: String) { self.message = message }
    package var description: String { "configuration error: \(self.message)" }
}
