import DepotCore

/// Builds the OpenAPI 3.1 document from the route table, so it cannot drift from what is served.
enum OpenAPIDocument {
    static func make(routes: [Route], tokenConfigured: Bool) -> JSONValue {
        var paths: [(String, [(String, JSONValue)])] = []
        for route in routes where !route.hidden {
            let pattern = RoutePattern(route.path)
            let key = pattern.openAPIPath
            var operation: [(String, JSONValue)] = [
                ("operationId", .string(route.operationID)),
                ("summary", .string(route.summary)),
            ]
            var parameters: [JSONValue] = pattern.parameterNames.map { name in
                ["name": .string(name), "in": "path", "required": true, "schema": ["type": "string"]]
            }
            parameters += route.query.map { parameter in
                [
                    "name": .string(parameter.name), "in": "query", "required": .bool(parameter.required),
                    "description": .string(parameter.help), "schema": ["type": .string(parameter.type)],
                ]
            }
            if !parameters.isEmpty { operation.append(("parameters", .array(parameters))) }
            if !route.requestBody.isEmpty {
                let content = route.requestBody.map { ($0, JSONValue.object([("schema", schema(forMediaType: $0))])) }
                operation.append(("requestBody", ["required": true, "content": .object(content)]))
            }
            var responses: [(String, JSONValue)] = route.responses.map { response in
                (
                    String(response.status),
                    [
                        "description": .string(response.help),
                        "content": .object(response.mediaTypes.map { ($0, .object([("schema", schema(forMediaType: $0))])) }),
                    ]
                )
            }
            responses.append(("default", ["description": "error envelope", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Envelope"]]]]))
            operation.append(("responses", .object(responses)))
            if route.requiresToken { operation.append(("security", [["bearer": []]])) }
            let method = route.method.rawValue.lowercased()
            if let index = paths.firstIndex(where: { $0.0 == key }) {
                paths[index].1.append((method, .object(operation)))
            } else {
                paths.append((key, [(method, .object(operation))]))
            }
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Depot", "version": "1.0.0",
                "description": .string("File service: uploads, downloads through nginx, exports. Write endpoints need a bearer token: \(tokenConfigured ? "configured" : "not configured on this instance").")
            ],
            "paths": .object(paths.map { ($0.0, JSONValue.object($0.1)) }),
            "components": [
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]],
                "schemas": [
                    "Envelope": [
                        "type": "object", "required": ["code", "msg", "data"],
                        "properties": ["code": ["type": "integer"], "msg": ["type": "string"], "data": [:]],
                    ]
                ],
            ],
        ]
    }

    private static func schema(forMediaType mediaType: String) -> JSONValue {
        if mediaType.hasPrefix("application/json") { return ["$ref": "#/components/schemas/Envelope"] }
        if mediaType.hasPrefix("text/") { return ["type": "string"] }
        if mediaType == "multipart/form-data" { return ["type": "object", "additionalProperties": true] }
        return ["type": "string", "format": "binary"]
    }
}
