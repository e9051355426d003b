import DepotApp
import DepotCore
import Foundation
import Testing

/// Health, metrics, OpenAPI, QR codes and the router's own answers, in process.
@Suite struct OperationsHandlerTests {
    @Test func healthMetricsAndTheDocument() throws {
        let test = try InProcessApp()
        let health = test.request("GET", "/api/healthz")
        #expect(health.status == 200 && health.data?["db"]?.stringValue == "ok" && health.data?["storage"]?.stringValue == "ok")
        #expect(health.data?["store"]?.stringValue == (onPostgres ? "postgresql" : "sqlite"))
        #expect(health.data?["node"]?.stringValue == test.app.config.node)
        _ = test.request("GET", "/api/nope")
        let metrics = test.request("GET", "/api/metrics")
        #expect(metrics.status == 200 && metrics.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(metrics.text.contains("route=\"/api/healthz\""), "\(metrics.text.prefix(400))")
        #expect(metrics.text.contains("depot_node_info{node=\"\(test.app.config.node)\",store=\"\(test.app.persistence.name)\"} 1"))
        let document = test.request("GET", "/api/openapi.json")
        #expect(document.json?["openapi"]?.stringValue?.hasPrefix("3.1") == true)
        #expect(document.json?["paths"]?["/api/uploads/{namespace}"] != nil)
        #expect(document.json?["paths"]?["/api/_debug/sleep"] == nil)
    }

    @Test func unhealthyStorageIs500WithTheFailedPartNamed() throws {
        let test = try InProcessApp()
        try FileManager.default.removeItem(atPath: test.app.storage.temporaryDirectory)
        try Data().write(to: URL(fileURLWithPath: test.app.storage.temporaryDirectory))  // a file where the folder was
        let health = test.request("GET", "/api/healthz")
        #expect(health.status == 500 && health.data?["storage"]?.stringValue == "error" && health.data?["db"]?.stringValue == "ok")
    }

    @Test func qrCodesAndTheirErrors() throws {
        let test = try InProcessApp()
        let png = test.request("GET", "/api/qrcode?text=hello&scale=2&margin=1")
        #expect(png.status == 200 && png.header("Content-Type") == "image/png")
        #expect(Array(png.body.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(png.header("Content-Length") == String(png.body.count))
        for bad in ["", "text=", "text=a&scale=0", "text=a&ecc=Z", "text=" + String(repeating: "x", count: 3000)] {
            let response = test.request("GET", "/api/qrcode?\(bad)")
            #expect(response.status == 400 && response.code == 40000, "\(bad.prefix(20)): \(response.status)")
        }
        #expect(test.request("GET", "/api/qrcode?text=" + String(repeating: "x", count: 3000)).text.contains("longer than a QR code holds"))
    }

    @Test func theRoutersOwnAnswersUseTheEnvelope() throws {
        let test = try InProcessApp()
        let missing = test.request("GET", "/api/nope")
        #expect(missing.status == 404 && missing.code == 40400)
        let method = test.request("DELETE", "/api/healthz")
        #expect(method.status == 405 && method.code == 40500 && method.header("Allow")?.contains("GET") == true)
        let huge = test.request("GET", "/api/healthz", headers: ["X-Filler": String(repeating: "a", count: 70_000)])
        #expect(huge.status == 400 && huge.code == 40000)
    }
}
