import FastCGITestSupport
import Foundation
import Testing

/// Uploads crafted to knock the responder over: each must get its refusal, and the same process
/// must go on answering (before the fix, one 69-byte PNG trapped in the pixel check and took every
/// request in flight down with it).
@Suite("Crafted uploads")
struct CraftedInputTests {
    /// A PNG declaring 4294967295 × 4294967295 (69 bytes with its multipart wrapping removed).
    static let hugePNG: [UInt8] =
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
        + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 8, 2, 0, 0, 0, 0, 0, 0, 0]

    /// An AVIF whose two `ispe` boxes are both near 2³² on each side.
    static var hugeAVIF: [UInt8] {
        func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func box(_ type: String, _ payload: [UInt8]) -> [UInt8] { be32(UInt32(8 + payload.count)) + Array(type.utf8) + payload }
        func ispe(_ side: UInt32) -> [UInt8] { box("ispe", [0, 0, 0, 0] + be32(side) + be32(side)) }
        return box("ftyp", Array("avif".utf8) + be32(0) + Array("avifmif1".utf8))
            + box("meta", [0, 0, 0, 0] + box("iprp", box("ipco", ispe(0xFFFF_FFFE) + ispe(0xFFFF_FFFF))))
    }

    /// A GIF with a 1 × 1 screen and a 60000 × 60000 first frame.
    static let frameBombGIF: [UInt8] =
        Array("GIF89a".utf8) + [1, 0, 1, 0, 0, 0, 0] + [0x2C, 0, 0, 0, 0, 0x60, 0xEA, 0x60, 0xEA, 0] + [2, 2, 0x4C, 0x01, 0, 0x3B]

    @Test func crashingHeadersAreRefusedAndTheResponderStaysUp() throws {
        try withResponder { responder in
            for (name, bytes) in [("a.png", Self.hugePNG), ("a.avif", Self.hugeAVIF), ("a.gif", Self.frameBombGIF)] {
                var form = MultipartBodyBuilder()
                form.file("file", filename: name, bytes)
                let upload = try responder.client.send(
                    method: "POST", uri: "/api/uploads/cms", body: form.finished(), contentType: form.contentType)
                #expect(upload.status == 413 && envelopeCode(upload) == 41300, "\(name): \(upload.text)")
                let put = try responder.client.send(method: "PUT", uri: "/api/uploads/cms/\(name)", body: bytes)
                #expect(put.status == 413 && envelopeCode(put) == 41300, "\(name): \(put.text)")
                var materials = MultipartBodyBuilder()
                materials.file("file", filename: name, bytes)
                let batch = try responder.client.send(
                    method: "POST", uri: "/api/malls/1/materials", body: materials.finished(), contentType: materials.contentType)
                let entry = (batch.json?["data"] as? [[String: Any]])?.first
                #expect(batch.status == 200 && entry?["success"] as? Bool == false, "\(name): \(batch.text)")
            }
            let health = try responder.client.send(uri: "/api/healthz")
            #expect(health.status == 200)
            #expect(responder.process.isRunning)
            #expect(storedFiles(responder).isEmpty, "\(storedFiles(responder))")
        }
    }

    @Test func aSlashHiddenInAGraphemeClusterCannotLeaveTheNamespace() throws {
        // Found by fuzzing: U+0603 (a prepended mark) glued each "/" into one Character with it, the
        // name split missed the slashes, and dropping the mark left "../../../escaped.txt".
        try withResponder { responder in
            var form = MultipartBodyBuilder()
            form.file("f", filename: "..\u{0603}/..\u{0603}/..\u{0603}/escaped.txt", Array("hello".utf8))
            let response = try responder.client.send(
                method: "POST", uri: "/api/uploads/cms/a/b?name=original", body: form.finished(), contentType: form.contentType)
            #expect(response.status == 201, "\(response.text)")
            let path = (data(response)["files"] as? [[String: Any]])?.first?["path"] as? String ?? ""
            #expect(path.hasPrefix("/cms/a/b/") && !path.contains(".."), "\(path)")
            #expect(storedFiles(responder).allSatisfy { $0.hasPrefix("cms/a/b/") }, "\(storedFiles(responder))")
        }
    }
}
