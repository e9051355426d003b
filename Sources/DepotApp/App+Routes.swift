import DepotCore

extension App {
    /// The route table. Each later feature adds its routes here; the OpenAPI document is built from it.
    static func makeRoutes(config: Config) -> [Route] {
        var routes: [Route] = []
        routes += OperationsHandlers.routes
        routes += UploadHandlers.routes
        routes += TusHandlers.routes
        routes += MaterialHandlers.routes
        routes += DownloadHandlers.routes
        routes += ThumbnailHandler.routes
        routes += QRCodeHandler.routes
        routes += FetchHandlers.routes
        routes += ExportHandler.routes
        if config.debugRoutes { routes += DebugHandlers.routes }
        return routes
    }
}
