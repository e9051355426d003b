import Foundation

/// Base64 (RFC 4648 §4, padded) through Foundation.
package enum Base64 {
    /// - Returns: the bytes, or nil when the text is not padded base64 of the standard alphabet.
    package static func decode(_ text: String) -> [UInt8]? {
        Data(base64Encoded: text).map { [UInt8]($0) }
    }

    package static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }
}
