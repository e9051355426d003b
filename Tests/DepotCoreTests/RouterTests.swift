import DepotCore
import Testing

@Suite struct RouterTests {
    func makeRouter() -> Router<String> {
        var router = Router<String>()
        router.add(.get, "/api/healthz", "health")
        router.add(.post, "/api/uploads/{namespace...}", "upload")
        router.add(.put, "/api/uploads/{namespace...}/{filename}", "put")
        router.add(.get, "/api/files/{id}", "file")
        router.add(.delete, "/api/materials/{id}", "delete")
        router.add(.get, "/api/materials/{id}", "material")
        return router
    }

    @Test func literalAndParameterRoutes() {
        let router = makeRouter()
        guard case .matched(let handler, _, let parameters) = router.match(methodName: "GET", rawPath: "/api/files/abc%20d") else {
            Issue.record("no match")
            return
        }
        #expect(handler == "file")
        #expect(parameters["id"] == "abc%20d")
    }

    @Test func restParameterKeepsItsRawSlashes() {
        let router = makeRouter()
        guard case .matched(let handler, _, let parameters) = router.match(methodName: "POST", rawPath: "/api/uploads/cms/template") else {
            Issue.record("no match")
            return
        }
        #expect(handler == "upload")
        #expect(parameters["namespace"] == "cms/template")
        guard case .matched(let put, _, let putParameters) = router.match(methodName: "PUT", rawPath: "/api/uploads/a/b/c/file.bin") else {
            Issue.record("no match")
            return
        }
        #expect(put == "put")
        #expect(putParameters["namespace"] == "a/b/c")
        #expect(putParameters["filename"] == "file.bin")
    }

    @Test func wrongMethodListsAllowedMethods() {
        let router = makeRouter()
        guard case .methodNotAllowed(let allowed) = router.match(methodName: "POST", rawPath: "/api/materials/3") else {
            Issue.record("expected 405")
            return
        }
        #expect(allowed == [.get, .head, .delete])
    }

    @Test func headFallsBackToGet() {
        guard case .matched(let handler, _, _) = makeRouter().match(methodName: "HEAD", rawPath: "/api/healthz") else {
            Issue.record("no match")
            return
        }
        #expect(handler == "health")
    }

    @Test(arguments: ["/api/healthz/", "/api//healthz", "api/healthz", "/api/uploads", "/api/nope", "", "/api/files/"])
    func unmatchedPaths(path: String) {
        guard case .notFound = makeRouter().match(methodName: "GET", rawPath: path[...]) else {
            Issue.record("\(path) should not match")
            return
        }
    }

    @Test func emptySegmentsReachTheHandlerOnlyThroughARestSegment() {
        var router = Router<String>()
        router.add(.post, "/api/uploads/{namespace...}", "upload")
        router.add(.put, "/api/uploads/{namespace...}/{filename}", "put")
        router.add(.get, "/api/files/{id}", "file")
        for (method, path, namespace) in [("POST", "/api/uploads/cms/", "cms/"), ("POST", "/api/uploads/cms//x", "cms//x"), ("POST", "/api/uploads/", "")] {
            guard case .matched(_, _, let parameters) = router.match(methodName: method, rawPath: path[...]) else {
                Issue.record("\(path) should reach the handler")
                continue
            }
            #expect(parameters["namespace"].map(String.init) == namespace)
        }
        guard case .matched(_, _, let parameters) = router.match(methodName: "PUT", rawPath: "/api/uploads/cms//x") else {
            Issue.record("PUT with an empty namespace segment should reach the handler")
            return
        }
        #expect(parameters["namespace"] == "cms/" && parameters["filename"] == "x")
        guard case .notFound = router.match(methodName: "GET", rawPath: "/api/files/") else {
            Issue.record("an empty {id} without a rest segment is no route")
            return
        }
    }

    @Test func openAPIPathNotation() {
        #expect(RoutePattern("/api/uploads/{namespace...}/{filename}").openAPIPath == "/api/uploads/{namespace}/{filename}")
        #expect(RoutePattern("/api/files/{id}").parameterNames == ["id"])
    }
}
