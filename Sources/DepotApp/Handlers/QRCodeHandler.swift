import DepotCore
import DepotSystem

/// `GET /api/qrcode?text=...&scale=8&margin=4&ecc=M`: a QR code PNG made in memory.
enum QRCodeHandler {
    static let routes: [Route] = [
        Route(
            method: .get, path: "/api/qrcode", operationID: "qrCode",
            summary: "A QR code (byte mode, UTF-8) as a PNG, with Content-Length.",
            query: [
                .init("text", "string", required: true, "the text to encode (UTF-8)"), .init("scale", "integer", "pixels per module, 1–32 (default 8)"),
                .init("margin", "integer", "quiet zone in modules, 0–16 (default 4)"), .init("ecc", "string", "error correction: L, M (default), Q or H"),
            ],
            responses: [.init(200, "the QR code", mediaType: "image/png")], handler: qrCode),
    ]

    static func qrCode(_ context: RequestContext) throws {
        guard let text = context.head.queryValue("text"), !text.isEmpty else {
            throw APIError(.paramsInvalid, "text is required")
        }
        let scale = try context.queryInteger("scale", default: 8, range: 1...32)
        let margin = try context.queryInteger("margin", default: 4, range: 0...16)
        guard let correction = QRCode.ErrorCorrection(letter: context.head.queryValue("ecc") ?? "M") else {
            throw APIError(.paramsInvalid, "ecc must be L, M, Q or H")
        }
        // Too long for the level: 400, mapped in ErrorMapping.
        let code = try QREncoder.encode(Array(text.utf8), correction: correction)
        let png = try PNGWriter.qrCode(code, scale: Int(scale), margin: Int(margin), compressor: ZlibCompressor())
        try context.response.send(status: 200, contentType: "image/png", body: png, headers: [("Cache-Control", "public, max-age=86400")])
    }
}
