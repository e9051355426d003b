import DepotCore
import DepotSystem

/// What a handler sees of one request: its head, path parameters, body and response.
package final class RequestContext {
    package let head: RequestHead
    /// Raw (percent-encoded) path parameters; use `parameter(_:)` for the decoded value.
    package let rawParameters: [String: Substring]
    package let body: CountingBody
    package let response: ResponseWriter
    package let services: Services

    package init(head: RequestHead, rawParameters: [String: Substring], body: CountingBody, response: ResponseWriter, services: Services) {
        self.head = head
        self.rawParameters = rawParameters
        self.body = body
        self.response = response
        self.services = services
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

    /// The body as a JSON object, read whole (at most 64 KiB).
    /// - Parameter example: shown in the error, e.g. `{"ttl": 3600}`.
    /// - Returns: nil for an empty body.
    /// - Throws: 400 when it is not a JSON object; 413 when it is larger than 64 KiB.
    package func jsonObject(example: String? = nil) throws -> JSONValue? {
        let bytes = try self.body.readAll(limit: 64 * 1024)
        if bytes.isEmpty { return nil }
        guard let json = try? JSONValue.parse(bytes), case .object = json else {
            throw APIError(.paramsInvalid, "the body must be a JSON object" + (example.map { " such as \($0)" } ?? ""))
        }
        return json
    }

    /// The namespace path parameter (1 to 4 segments of `[a-z0-9_-]{1,64}`).
    /// - Throws: 400 code 40000 when it is missing, empty or malformed.
    package func namespace(_ name: String = "namespace") throws -> String {
        guard let raw = self.rawParameters[name], let namespace = StorageNaming.namespace(raw: raw) else {
            throw APIError(.paramsInvalid, "the namespace must be 1 to 4 segments of [a-z0-9_-]{1,64}")
        }
        return namespace
    }
}
