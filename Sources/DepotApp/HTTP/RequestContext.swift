import DepotCore
import DepotSystem

/// What a handler sees of one request: its head, path parameters, body and response.
package final class RequestContext {
    package let head: RequestHead
    /// Raw (percent-encoded) path parameters; use `parameter(_:)` for the decoded value.
    package let rawParameters: [String: Substring]
    package let body: CountingBody
    package let response: ResponseWriter
    package let app: App

    package init(head: RequestHead, rawParameters: [String: Substring], body: CountingBody, response: ResponseWriter, app: App) {
        self.head = head
        self.rawParameters = rawParameters
        self.body = body
        self.response = response
        self.app = app
    }

    /// An integer query parameter; absent or empty gives `default`.
    /// - Throws: 400 when it is not a whole number within `range`.
    package func queryInteger(_ name: String, default value: Int64, range: ClosedRange<Int64>) throws -> Int64 {
        guard let text = self.head.queryValue(name), !text.isEmpty else { return value }
        guard let number = Int64(text), range.contains(number) else {
            throw APIError(.paramsInvalid, "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// A path parameter, percent-decoded.
    /// - Throws: 400 when it is missing or its escapes are malformed.
    package func parameter(_ name: String) throws -> String {
        guard let raw = self.rawParameters[name], let decoded = PercentEncoding.decode(raw) else {
            throw APIError(.paramsInvalid, "the path parameter '\(name)' is malformed")
        }
        return decoded
    }
}
