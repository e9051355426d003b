import DepotCore
import DepotSystem

/// Where this request's body is: a file nginx already wrote (offload) or the FastCGI/CGI stream.
enum RequestBodySource {
    case offloaded(FileBody)
    case stream(CountingBody)
    /// An offloaded body that must be copied (nginx's temp directory is on another filesystem).
    case copied(FileBody)

    /// nginx passes `DEPOT_BODY_FILE` ($request_body_file) when it kept the body in its temp file.
    /// - Throws: 403 when that path lies outside `nginx.body_temp_dir`; 400 when its size is not
    ///   the declared Content-Length.
    static func of(_ context: RequestContext) throws -> RequestBodySource {
        guard let file = context.head.bodyFile else { return .stream(context.body) }
        guard let resolved = resolvedPath(file), let directory = context.services.resolvedBodyTempDir,
            resolved.hasPrefix(directory + "/")
        else {
            throw APIError(.forbidden, "the request body file is outside nginx's body temp directory")
        }
        let body = try FileBody(path: resolved)
        if let declared = context.head.contentLength, Int64(declared) != body.size {
            throw APIError(.parserFailed, "the request body is not as long as declared")
        }
        return .offloaded(body)
    }

    var reader: any RequestBody {
        switch self {
        case .offloaded(let body), .copied(let body): body
        case .stream(let body): body
        }
    }
}
