import DepotCore

/// The request head as libfcgi hands it over: parameters, the raw URI with its query, headers.
/// No trap, and the query lookups agree with themselves.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    var builder = RequestHeadBuilder()
    let names = ["REQUEST_METHOD", "REQUEST_URI", "QUERY_STRING", "CONTENT_LENGTH", "CONTENT_TYPE", "HTTP_RANGE",
                 "HTTP_AUTHORIZATION", "HTTP_IF_NONE_MATCH", "SCRIPT_NAME", "PATH_INFO", "DEPOT_BODY_FILE", "HTTP_ACCEPT"]
    while !input.isEmpty {
        let name = names[Int(input.byte()) % names.count]
        builder.add(name: name, value: input.field())
    }
    let head = builder.build()
    _ = head.contentLength
    _ = head.method
    for (name, _) in head.query {
        // The first item of a name decides, malformed (nil) or not.
        let first = head.query.first { $0.name == name }!
        require(head.queryValue(name) == first.value, "queryValue(\(name)) is not its first item's value")
    }
    _ = head.queryValue("name")
    _ = PercentEncoding.decode(head.rawPath)
    var router = Router<Int>()
    router.add(.get, "/api/files/{id}", 1)
    router.add(.get, "/api/files/path/{path...}", 2)
    router.add(.post, "/api/uploads/{namespace...}", 3)
    router.add(.put, "/api/uploads/{namespace...}/{filename}", 4)
    _ = router.match(methodName: head.methodName, rawPath: head.rawPath)
    if let namespace = head.queryValue("ns") { _ = StorageNaming.namespace(raw: namespace) }
    return 0
}
