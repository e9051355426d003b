import FastCGITestSupport
import Foundation
import Testing

/// Starts a responder, runs `body`, then checks that it leaked no descriptors and exits 0 on SIGTERM.
func withResponder(
    environment: [String: String] = [:], workers: Int = 4, _ body: (ResponderProcess) throws -> Void
) throws {
    var env = ["DEPOT_SERVER_DEBUG_ROUTES": "true"]
    for (key, value) in environment { env[key] = value }
    let responder = try ResponderProcess(environment: env, workers: workers)
    try body(responder)
    let settled = responder.settledDescriptors()
    #expect(settled == responder.baselineDescriptors, "descriptors leaked: \(settled) now, \(responder.baselineDescriptors) at start")
    let status = responder.stop()
    #expect(status == 0, "responder exit status \(String(describing: status)); stderr: \(responder.stderrText.suffix(2000))")
}

/// The `code` of a JSON envelope.
func envelopeCode(_ response: FastCGIResponse) -> Int? {
    response.json?["code"] as? Int
}
