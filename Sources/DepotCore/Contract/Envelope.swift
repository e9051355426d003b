import Foundation

/// The contract's response envelope: `{"code": 0, "msg": "ok", "data": ...}`.
package enum Envelope {
    /// - Returns: the envelope as UTF-8 JSON bytes.
    package static func bytes(code: ErrorCode = .ok, message: String? = nil, data: JSONValue = .null) -> [UInt8] {
        JSONValue.object([
            ("code", .int(Int64(code.rawValue))),
            ("msg", .string(message ?? code.defaultMessage)),
            ("data", data),
        ]).serializedBytes
    }
}
