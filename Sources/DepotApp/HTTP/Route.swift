import DepotCore

/// A route: its handler plus what the OpenAPI document says about it, side by side so they cannot drift.
package struct Route: Sendable {
    package typealias Handler = @Sendable (RequestContext) throws -> Void

    package struct QueryParameter: Sendable {
        package var name: String
        package var type: String  // "string", "integer", "boolean"
        package var required: Bool
        package var help: String
        package init(_ name: String, _ type: String = "string", required: Bool = false, _ help: String) {
            self.name = name
            self.type = type
            self.required = required
            self.help = help
        }
    }

    package struct Response: Sendable {
        package var status: Int
        package var mediaTypes: [String]
        package var help: String
        package init(_ status: Int, _ help: String, mediaType: String = "application/json") {
            self.init(status, help, mediaTypes: [mediaType])
        }
        package init(_ status: Int, _ help: String, mediaTypes: [String]) {
            self.status = status
            self.mediaTypes = mediaTypes
            self.help = help
        }
    }

    package var method: HTTPMethod
    package var path: String
    package var operationID: String
    package var summary: String
    package var query: [QueryParameter] = []
    /// Media types the request body may have; empty for no body.
    package var requestBody: [String] = []
    package var responses: [Response]
    /// True for routes left out of the OpenAPI document (debug routes).
    package var hidden = false
    /// Overrides the write-method rule (the export is a POST but a read).
    package var needsToken: Bool?
    package var handler: Handler

    package var requiresToken: Bool { self.needsToken ?? self.method.isWrite }
}
