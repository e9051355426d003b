/// The request methods Depot routes.
package enum HTTPMethod: String, Sendable, CaseIterable, Comparable {
    case get = "GET"
    case head = "HEAD"
    case post = "POST"
    case put = "PUT"
    case delete = "DELETE"
    case options = "OPTIONS"
    case patch = "PATCH"

    /// Write methods need the API token when one is configured.
    package var isWrite: Bool { self == .post || self == .put || self == .delete || self == .patch }

    package static func < (lhs: HTTPMethod, rhs: HTTPMethod) -> Bool {
        let order = HTTPMethod.allCases
        return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
    }
}
