import DepotCore
import DepotSystem
import Foundation

/// `GET|HEAD /api/files/{id}/thumbnail?size=256&fit=contain&format=auto`.
enum ThumbnailHandler {
    static let formats = ThumbnailFormat.allCases.map(\.contentType)

    static let routes: [Route] = [
        Route(
            method: .get, path: "/api/files/{id}/thumbnail", operationID: "fileThumbnail",
            summary: "A resized copy of an image file, made once with libvips and then served by nginx like any file.",
            query: [
                .init("size", "integer", "one of images.thumbnail_sizes (default 64,128,256,512,1024); the box side in pixels, default 256"),
                .init("fit", "string", "contain (default: the whole image in the box, never enlarged) or cover (exactly size × size, centre-cropped)"),
                .init("format", "string", "auto (default: by Accept, with Vary: Accept), webp, avif, jpeg or png"),
                .init("expires", "integer", "expiry of a signed link made for the original file"),
                .init("sig", "string", "signature of a link made for the original file"),
            ],
            responses: [
                .init(200, "the thumbnail", mediaTypes: formats), .init(206, "a range", mediaTypes: formats),
                .init(304, "not modified", mediaTypes: []), .init(400, "a parameter out of range"), .init(404, "no such file"),
                .init(415, "not an image thumbnails are made of, or one that cannot be decoded"),
            ],
            handler: get)
    ]

    static func get(_ context: RequestContext) throws {
        let services = context.services
        let head = context.head
        let request = try ThumbnailRequest.parse(
            size: head.queryValue("size"), fit: head.queryValue("fit"), format: head.queryValue("format"), sizes: services.config.thumbnailSizes)
        let id = try context.parameter("id")
        let variant = ThumbnailVariant(request, accept: head.headers["accept"])
        guard let (file, found) = try services.persistence.fileAndThumbnail(id: id, variant: variant.key) else {
            throw APIError(.notFound, "no such file")
        }
        // The original's rules, and a signature made for the original's URL.
        try DownloadHandlers.authorizeRead(file, context, signedPath: Self.originalPath(head.rawPath))
        let thumbnail = try found ?? services.thumbnails.make(fileID: id, of: file, variant: variant)
        let format = ThumbnailFormat.allCases.first { $0.contentType == thumbnail.contentType } ?? .jpeg
        guard
            let plan = DownloadPlan(
                storedPath: thumbnail.path, contentType: thumbnail.contentType, originalName: Self.name(file.originFilename, format),
                forceDownload: false, variesByAccept: variant.variesByAccept)
        else { throw APIError(.internalError) }
        let vary: [(String, String)] = variant.variesByAccept ? [("Vary", "Accept")] : []
        if services.config.accel {
            var response = ResponseHead(status: 200)
            response.add("Content-Type", plan.contentType)
            response.add("Content-Disposition", plan.contentDisposition)
            response.add("Cache-Control", "private, no-cache")
            for (name, value) in vary { response.add(name, value) }
            response.add("X-Accel-Redirect", plan.accelRedirect)
            try context.response.sendHead(response)
            return
        }
        let served = ServedFile(namespace: file.namespace, path: thumbnail.path, contentType: thumbnail.contentType, originFilename: file.originFilename, sha256: file.sha256)
        let name = thumbnail.path.split(separator: "/").last.map(String.init) ?? ""
        try StandaloneFile.send(record: served, plan: plan, context: context, etag: "\"\(name.prefix(100))-\(thumbnail.size)\"", extraHeaders: vary)
    }

    /// The original file's path, which its signed links sign: the request's without `/thumbnail`.
    static func originalPath(_ rawPath: Substring) -> String {
        rawPath.hasSuffix("/thumbnail") ? String(rawPath.dropLast("/thumbnail".count)) : String(rawPath)
    }

    /// The original's name with the thumbnail's extension (`IMG_0001.HEIC` → `IMG_0001.webp`).
    static func name(_ original: String, _ format: ThumbnailFormat) -> String {
        let stem = original.lastIndex(of: ".").map { original[..<$0] }.map(String.init) ?? original
        return (stem.isEmpty ? "thumbnail" : stem) + "." + format.fileExtension
    }
}
