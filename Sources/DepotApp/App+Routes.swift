import DepotCore

extension App {
    /// The route table. Each later feature adds its routes here; the OpenAPI document is built from it.
    /// Routes are matched in this order, so the most frequent requests come first: downloads and
    /// thumbnails (no earlier pattern overlaps them, so the order changes no match).
    static func makeRoutes(config: Config) -> [Route] {
        var routes: [Route] = []
        routes += DownloadHandlers.routes
        routes += ThumbnailHandler.routes
        routes += OperationsHandlers.routes
        routes += UploadHandlers.routes
        routes += TusHandlers.routes
        routes += MaterialHandlers.routes
        routes += QRCodeHandler.routes
        routes += FetchHandlers.routes
        routes += ExportHandler.routes
        if config.debugRoutes { routes += DebugHandlers.routes }
        return routes
    }
}
