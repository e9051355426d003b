import DepotApp
import DepotCore
import DepotSystem
import Foundation
import Testing

/// Resumable uploads (tus 1.0.0) in process, on whichever store the suite runs on: every status
/// of the contract, resuming after a broken connection, the lease, checksums, concatenation,
/// termination and expiry.
@Suite struct TusHandlerTests {
    static let tus = ["Tus-Resumable": "1.0.0"]
    static let offsetType = "application/offset+octet-stream"

    static func sha256(_ bytes: [UInt8]) -> String {
        let hasher = SHA256Hasher()
        bytes.withUnsafeBytes { hasher.update($0) }
        return hasher.finalizeHex()
    }

    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    /// Creates an upload; returns its URL.
    private func create(_ test: InProcessApp, _ namespace: String = "videos", headers: [String: String], query: String = "") throws -> String {
        let response = test.request("POST", "/api/tus/\(namespace)\(query)", headers: Self.tus.merging(headers) { $1 })
        #expect(response.status == 201, "\(response.text)")
        #expect(response.header("Tus-Resumable") == "1.0.0")
        #expect(response.header("Upload-Expires")?.hasSuffix("GMT") == true)
        return try #require(response.header("Location"))
    }

    private func patch(_ test: InProcessApp, _ url: String, offset: Int, _ bytes: [UInt8], headers: [String: String] = [:]) -> InProcessResponse {
        test.request(
            "PATCH", url, headers: Self.tus.merging(["Upload-Offset": String(offset)].merging(headers) { $1 }) { $1 }, body: bytes,
            contentType: Self.offsetType)
    }

    @Test func optionsDescribesTheServer() throws {
        let test = try InProcessApp()
        let response = test.request("OPTIONS", "/api/tus/videos")
        #expect(response.status == 204)
        #expect(response.header("Tus-Resumable") == "1.0.0")
        #expect(response.header("Tus-Version") == "1.0.0")
        #expect(response.header("Tus-Extension") == "creation,creation-with-upload,creation-defer-length,expiration,checksum,termination,concatenation")
        #expect(response.header("Tus-Max-Size") == String(test.app.config.limits.maxFileSize))
        #expect(response.header("Tus-Checksum-Algorithm") == "sha1,sha256,md5")
    }

    @Test func chunksBecomeAStoredFileWithTheRightHashAndMetadata() throws {
        let test = try InProcessApp()
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let metadata = "filename \(Self.base64("clip.bin")),filetype \(Self.base64("video/mp4")),shop \(Self.base64("42")),empty"
        let url = try create(test, headers: ["Upload-Length": String(bytes.count), "Upload-Metadata": metadata])
        #expect(url.hasPrefix("/api/tus/videos/"))
        let head = test.request("HEAD", url, headers: Self.tus)
        #expect(head.status == 200 && head.header("Upload-Offset") == "0" && head.header("Upload-Length") == String(bytes.count))
        #expect(head.header("Upload-Metadata") == metadata && head.header("Cache-Control") == "no-store")
        var offset = 0
        for size in [100_000, 150_000, 50_000] {
            let response = patch(test, url, offset: offset, Array(bytes[offset..<offset + size]))
            #expect(response.status == 204, "\(response.text)")
            offset += size
            #expect(response.header("Upload-Offset") == String(offset))
        }
        let id = String(url.split(separator: "/").last!)
        let status = test.request("GET", url, headers: Self.tus)
        #expect(status.status == 200, "\(status.text)")
        #expect(status.data?["id"]?.stringValue == id)
        #expect(status.data?["sha256"]?.stringValue == Self.sha256(bytes))
        #expect(status.data?["size"]?.intValue == Int64(bytes.count))
        #expect(status.data?["origin_filename"]?.stringValue == "clip.bin")
        let path = try #require(status.data?["path"]?.stringValue)
        #expect(path.hasPrefix("/videos/") && path.hasSuffix("/\(id).bin"), "\(path)")
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: test.app.config.storageRoot + path))) == bytes)
        // The id is the file's id; no data file is left in the resumable area.
        #expect(test.request("GET", "/api/files/\(id)").header("X-Accel-Redirect")?.hasSuffix(path) == true)
        #expect(test.app.services.resumable.files.ids().isEmpty)
        // A finished upload answers HEAD as complete, so a client resuming it stops.
        let done = test.request("HEAD", url, headers: Self.tus)
        #expect(done.status == 200 && done.header("Upload-Offset") == String(bytes.count) && done.header("Upload-Length") == String(bytes.count))
        #expect(patch(test, url, offset: bytes.count, [1]).status == 413)
    }

    @Test func badHeadersGetTheContractsStatusAndChangeNothing() throws {
        let test = try InProcessApp()
        let url = try create(test, headers: ["Upload-Length": "10"])
        #expect(patch(test, url, offset: 0, Array("hello".utf8)).status == 204)
        // Version: missing or other → 412 with Tus-Version.
        let noVersion = test.request("HEAD", url)
        #expect(noVersion.status == 412 && noVersion.header("Tus-Version") == "1.0.0" && noVersion.header("Tus-Resumable") == "1.0.0")
        #expect(test.request("POST", "/api/tus/videos", headers: ["Tus-Resumable": "0.2.2", "Upload-Length": "1"]).code == 41200)
        // Content type → 415; offsets wrong, negative, huge or not numbers → 409 / 400.
        #expect(test.request("PATCH", url, headers: Self.tus.merging(["Upload-Offset": "5"]) { $1 }, body: [1], contentType: "text/plain").status == 415)
        #expect(patch(test, url, offset: 3, [1]).code == 40900)
        for offset in ["-1", "abc", "99999999999999999999", "0x5", ""] {
            let response = test.request("PATCH", url, headers: Self.tus.merging(["Upload-Offset": offset]) { $1 }, body: [1], contentType: Self.offsetType)
            #expect(response.status == 400, "\(offset): \(response.text)")
        }
        // Past the length → 413, nothing kept.
        #expect(patch(test, url, offset: 5, Array("world!".utf8)).status == 413)
        // Checksums: malformed or unknown algorithm → 400; mismatch → 460; the offset stays.
        #expect(patch(test, url, offset: 5, [1], headers: ["Upload-Checksum": "sha256 !!!"]).status == 400)
        #expect(patch(test, url, offset: 5, [1], headers: ["Upload-Checksum": "crc32 AAAAAA=="]).status == 400)
        let wrong = patch(test, url, offset: 5, Array("world".utf8), headers: ["Upload-Checksum": "sha1 \(Data(repeating: 0, count: 20).base64EncodedString())"])
        #expect(wrong.status == 460 && wrong.code == 46000, "\(wrong.text)")
        #expect(test.request("HEAD", url, headers: Self.tus).header("Upload-Offset") == "5")
        // Creation: lengths and metadata.
        #expect(test.request("POST", "/api/tus/videos", headers: Self.tus).status == 400)
        #expect(test.request("POST", "/api/tus/videos", headers: Self.tus.merging(["Upload-Defer-Length": "2"]) { $1 }).status == 400)
        #expect(test.request("POST", "/api/tus/videos", headers: Self.tus.merging(["Upload-Length": String(test.app.config.limits.maxFileSize + 1)]) { $1 }).status == 413)
        for metadata in ["filename !!!notbase64", "a \(Self.base64("x")),a \(Self.base64("y"))", "k " + String(repeating: "QUFB", count: 1100)] {
            #expect(test.request("POST", "/api/tus/videos", headers: Self.tus.merging(["Upload-Length": "1", "Upload-Metadata": metadata]) { $1 }).status == 400)
        }
        // Unknown upload → 404; another namespace's → 404.
        #expect(test.request("HEAD", "/api/tus/videos/no-such-id", headers: Self.tus).status == 404)
        #expect(test.request("HEAD", url.replacingOccurrences(of: "/videos/", with: "/photos/"), headers: Self.tus).status == 404)
        // The upload still completes with the right bytes.
        let md5 = "md5 \(Data(Self.md5("world")).base64EncodedString())"
        #expect(patch(test, url, offset: 5, Array("world".utf8), headers: ["Upload-Checksum": md5]).status == 204)
        #expect(test.request("GET", url, headers: Self.tus).data?["sha256"]?.stringValue == Self.sha256(Array("helloworld".utf8)))
    }

    static func md5(_ text: String) -> [UInt8] {
        let digest = ChunkDigest(algorithm: "md5")!
        Array(text.utf8).withUnsafeBytes { digest.update($0) }
        return digest.finalize()
    }

    @Test func aBrokenConnectionKeepsWhatArrivedAndTheUploadResumes() throws {
        let test = try InProcessApp()
        let bytes = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
        let url = try create(test, headers: ["Upload-Length": String(bytes.count)])
        // 2 MiB arrive, then the peer goes away.
        let cut = test.request(
            "PATCH", url, headers: Self.tus.merging(["Upload-Offset": "0"]) { $1 }, stream: BreakingBody(Array(bytes[..<(2 << 20)])),
            contentLength: bytes.count, contentType: Self.offsetType)
        #expect(cut.status != 204)
        let head = test.request("HEAD", url, headers: Self.tus)
        #expect(head.header("Upload-Offset") == String(2 << 20), "\(head.headers)")
        // The lease was let go: the client resumes at once.
        let rest = patch(test, url, offset: 2 << 20, Array(bytes[(2 << 20)...]))
        #expect(rest.status == 204, "\(rest.text)")
        #expect(test.request("GET", url, headers: Self.tus).data?["sha256"]?.stringValue == Self.sha256(bytes))
    }

    @Test func aSecondPatchWhileOneHoldsTheUploadIs423() throws {
        let test = try InProcessApp()
        let url = try create(test, headers: ["Upload-Length": "4"])
        let id = String(url.split(separator: "/").last!)
        // Another node's PATCH holds the lease.
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(try test.app.persistence.write { try $0.claim(upload: id, owner: "other-node", until: now + 30_000, now: now) })
        let second = patch(test, url, offset: 0, [1, 2])
        #expect(second.status == 423 && second.code == 42300, "\(second.text)")
        // HEAD does not wait; termination is refused too.
        #expect(test.request("HEAD", url, headers: Self.tus).status == 200)
        #expect(test.request("DELETE", url, headers: Self.tus).status == 423)
        // The holder named as `{instance}/{request}`: a live instance (this one) keeps it, one whose
        // journal nobody holds any more (its process died) loses it at once.
        try test.app.persistence.write { try $0.release(upload: id, owner: "other-node") }
        let live = "\(test.app.storage.instance)/request"
        #expect(try test.app.persistence.write { try $0.claim(upload: id, owner: live, until: now + 30_000, now: now) })
        #expect(patch(test, url, offset: 0, [1, 2]).status == 423)
        try test.app.persistence.write { try $0.release(upload: id, owner: live) }
        let dead = "node-a-0123456789ab/request"
        #expect(try test.app.persistence.write { try $0.claim(upload: id, owner: dead, until: now + 30_000, now: now) })
        #expect(patch(test, url, offset: 0, [1]).status == 204)
        #expect(patch(test, url, offset: 1, [2]).status == 204)
        #expect(patch(test, url, offset: 2, [3, 4]).status == 204)
        // A lease whose time ran out is taken over too (a holder on a volume without working locks).
        let url2 = try create(test, headers: ["Upload-Length": "2"])
        let id2 = String(url2.split(separator: "/").last!)
        #expect(try test.app.persistence.write { try $0.claim(upload: id2, owner: "somewhere", until: now - 1, now: now - 2) })
        #expect(patch(test, url2, offset: 0, [1, 2]).status == 204)
    }

    @Test func deferredLengthIsDeclaredOnce() throws {
        let test = try InProcessApp()
        let url = try create(test, headers: ["Upload-Defer-Length": "1"])
        #expect(test.request("HEAD", url, headers: Self.tus).header("Upload-Defer-Length") == "1")
        #expect(patch(test, url, offset: 0, Array("abc".utf8)).status == 204)
        #expect(patch(test, url, offset: 3, [], headers: ["Upload-Length": "2"]).status == 400)
        #expect(patch(test, url, offset: 3, Array("def".utf8), headers: ["Upload-Length": "6"]).status == 204)
        #expect(test.request("GET", url, headers: Self.tus).data?["sha256"]?.stringValue == Self.sha256(Array("abcdef".utf8)))
    }

    @Test func creationWithUploadAndZeroLength() throws {
        let test = try InProcessApp()
        let first = test.request(
            "POST", "/api/tus/videos?name=original", headers: Self.tus.merging(["Upload-Length": "6", "Upload-Metadata": "filename \(Self.base64("a.txt"))"]) { $1 },
            body: Array("abc".utf8), contentType: Self.offsetType)
        #expect(first.status == 201 && first.header("Upload-Offset") == "3", "\(first.text)")
        let url = try #require(first.header("Location"))
        #expect(patch(test, url, offset: 3, Array("def".utf8)).status == 204)
        #expect(test.request("GET", url, headers: Self.tus).data?["path"]?.stringValue?.hasSuffix("/a.txt") == true)
        // The same name again: the completing PATCH answers 409, and so does GET later.
        let again = test.request(
            "POST", "/api/tus/videos?name=original", headers: Self.tus.merging(["Upload-Length": "2", "Upload-Metadata": "filename \(Self.base64("a.txt"))"]) { $1 })
        let againURL = try #require(again.header("Location"))
        #expect(patch(test, againURL, offset: 0, Array("zz".utf8)).status == 409)
        #expect(test.request("GET", againURL, headers: Self.tus).code == 40900)
        // Upload-Length: 0 completes at once.
        let empty = test.request("POST", "/api/tus/videos", headers: Self.tus.merging(["Upload-Length": "0"]) { $1 })
        #expect(empty.status == 201)
        let emptyURL = try #require(empty.header("Location"))
        #expect(test.request("GET", emptyURL, headers: Self.tus).data?["size"]?.intValue == 0)
    }

    @Test func terminationLeavesNoBytes() throws {
        let test = try InProcessApp()
        let url = try create(test, headers: ["Upload-Length": "100"])
        #expect(patch(test, url, offset: 0, Array(repeating: 7, count: 60)).status == 204)
        #expect(test.app.services.resumable.files.ids().count == 1)
        #expect(test.request("DELETE", url, headers: Self.tus).status == 204)
        #expect(test.app.services.resumable.files.ids().isEmpty)
        #expect(test.request("HEAD", url, headers: Self.tus).status == 404)
        #expect(patch(test, url, offset: 60, [1]).status == 404)
        #expect(test.storedFiles().isEmpty)
    }

    @Test func concatenationAssemblesCompletePartsInOrder() throws {
        let test = try InProcessApp()
        let a = Array(repeating: UInt8(ascii: "a"), count: 70_000), b = Array("the second part".utf8)
        let partA = try create(test, headers: ["Upload-Length": String(a.count), "Upload-Concat": "partial"])
        let partB = try create(test, headers: ["Upload-Length": String(b.count), "Upload-Concat": "partial"])
        #expect(patch(test, partA, offset: 0, a).status == 204)
        #expect(test.request("HEAD", partA, headers: Self.tus).header("Upload-Concat") == "partial")
        // Incomplete part → 400.
        #expect(test.request("POST", "/api/tus/videos", headers: Self.tus.merging(["Upload-Concat": "final;\(partA) \(partB)"]) { $1 }).status == 400)
        #expect(patch(test, partB, offset: 0, b).status == 204)
        // A part is never a stored file by itself.
        #expect(test.storedFiles().isEmpty)
        // Unknown ids, another namespace's parts → 400.
        #expect(test.request("POST", "/api/tus/videos", headers: Self.tus.merging(["Upload-Concat": "final;/api/tus/videos/nope"]) { $1 }).status == 400)
        #expect(test.request("POST", "/api/tus/photos", headers: Self.tus.merging(["Upload-Concat": "final;\(partA)"]) { $1 }).status == 400)
        let final = test.request("POST", "/api/tus/videos", headers: Self.tus.merging(["Upload-Concat": "final;\(partB) \(partA)"]) { $1 })
        #expect(final.status == 201, "\(final.text)")
        let url = try #require(final.header("Location"))
        let file = test.request("GET", url, headers: Self.tus)
        #expect(file.data?["sha256"]?.stringValue == Self.sha256(b + a), "\(file.text)")
        #expect(file.data?["size"]?.intValue == Int64(a.count + b.count))
        // The parts are gone once the final upload is placed.
        #expect(test.request("HEAD", partA, headers: Self.tus).status == 404)
        #expect(test.app.services.resumable.files.ids().isEmpty)
        #expect(test.storedFiles().count == 1)
    }

    @Test func expiredUploadsAre410ThenSweptWithTheirBytes() throws {
        let test = try InProcessApp { $0.resumableExpiry = 0.2 }
        let url = try create(test, headers: ["Upload-Length": "10"])
        #expect(patch(test, url, offset: 0, [1, 2, 3]).status == 204)
        usleep(400_000)
        #expect(test.request("HEAD", url, headers: Self.tus).status == 410)
        #expect(patch(test, url, offset: 3, [4]).status == 410)
        #expect(try test.app.services.resumable.sweepExpired() == 1)
        #expect(test.app.services.resumable.files.ids().isEmpty)
        #expect(test.request("HEAD", url, headers: Self.tus).status == 404)
    }

    @Test func methodOverrideAndCORS() throws {
        let test = try InProcessApp { $0.corsOrigins = ["https://shop.example"] }
        let url = try create(test, headers: ["Upload-Length": "2"])
        let overridden = test.request(
            "POST", url, headers: Self.tus.merging(["Upload-Offset": "0", "X-HTTP-Method-Override": "PATCH"]) { $1 }, body: [1, 2], contentType: Self.offsetType)
        #expect(overridden.status == 204 && overridden.header("Upload-Offset") == "2", "\(overridden.text)")
        let preflight = test.request(
            "OPTIONS", "/api/tus/videos", headers: ["Origin": "https://shop.example", "Access-Control-Request-Method": "POST"])
        #expect(preflight.status == 204)
        #expect(preflight.header("Access-Control-Allow-Origin") == "https://shop.example")
        #expect(preflight.header("Access-Control-Allow-Headers")?.contains("Upload-Offset") == true)
        #expect(preflight.header("Access-Control-Allow-Methods")?.contains("PATCH") == true)
        let head = test.request("HEAD", url, headers: Self.tus.merging(["Origin": "https://shop.example"]) { $1 })
        #expect(head.header("Access-Control-Expose-Headers")?.contains("Upload-Offset") == true)
        #expect(head.header("Access-Control-Expose-Headers")?.contains("Location") == true)
        // Another origin gets nothing.
        #expect(test.request("HEAD", url, headers: Self.tus.merging(["Origin": "https://evil.example"]) { $1 }).header("Access-Control-Allow-Origin") == nil)
    }
}

extension TusHandlerTests {
    /// A long PATCH saves its progress along the way while the hash thread may be behind the
    /// writes: every saved offset must come with the hash state of exactly those bytes.
    @Test func progressSavedMidPatchPairsTheOffsetWithItsHashState() throws {
        let test = try InProcessApp()
        var bytes = [UInt8](repeating: 0, count: 80 << 20)
        for index in stride(from: 0, to: bytes.count, by: 4096) { bytes[index] = UInt8(truncatingIfNeeded: index >> 12) }
        let url = try create(test, headers: ["Upload-Length": String(bytes.count)])
        let id = String(url.split(separator: "/").last!)
        let spy = SpyingBody(bytes) { delivered in
            // Past the first 64 MiB checkpoint, before the end: what does the row say?
            guard delivered >= 72 << 20, let row = try? test.app.persistence.upload(id: id) else { return nil }
            return (row.offset, row.hashState, row.hashTag)
        }
        let response = test.request(
            "PATCH", url, headers: Self.tus.merging(["Upload-Offset": "0"]) { $1 }, stream: spy, contentLength: bytes.count,
            contentType: Self.offsetType)
        #expect(response.status == 204, "\(response.text)")
        let (offset, state, tag) = try #require(spy.seen)
        #expect(offset > 0 && offset <= 72 << 20, "\(offset)")
        let saved = try #require(ResumableSHA256(state: state, tag: tag))
        #expect(saved.hex() == Self.sha256(Array(bytes[..<Int(offset)])))
        #expect(test.request("GET", url, headers: Self.tus).data?["sha256"]?.stringValue == Self.sha256(bytes))
    }
}

extension TusHandlerTests {
    /// A PATCH whose length is a whole number of save intervals ends with its row at its last byte.
    @Test func aPatchOfExactly64MiBLeavesTheRowAtItsEnd() throws {
        let test = try InProcessApp()
        let bytes = (0..<((64 << 20) + 1000)).map { UInt8(truncatingIfNeeded: $0 >> 10) }
        let url = try create(test, headers: ["Upload-Length": String(bytes.count)])
        let first = patch(test, url, offset: 0, Array(bytes[..<(64 << 20)]))
        #expect(first.status == 204 && first.header("Upload-Offset") == String(64 << 20), "\(first.text)")
        #expect(test.request("HEAD", url, headers: Self.tus).header("Upload-Offset") == String(64 << 20))
        #expect(patch(test, url, offset: 64 << 20, Array(bytes[(64 << 20)...])).status == 204)
        #expect(test.request("GET", url, headers: Self.tus).data?["sha256"]?.stringValue == Self.sha256(bytes))
    }
}

/// A body that hands out its bytes and, once, reports what `look` sees part-way.
final class SpyingBody: RequestBody {
    private let bytes: [UInt8]
    private var position = 0
    private let look: (Int) -> (Int64, [UInt8], String)?
    private(set) var seen: (Int64, [UInt8], String)?

    init(_ bytes: [UInt8], look: @escaping (Int) -> (Int64, [UInt8], String)?) {
        self.bytes = bytes
        self.look = look
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if self.seen == nil { self.seen = self.look(self.position) }
        let count = min(buffer.count, self.bytes.count - self.position)
        guard count > 0 else { return 0 }
        self.bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + self.position, byteCount: count) }
        self.position += count
        return count
    }
}

/// A body that delivers its bytes and then breaks, as a dropped connection does.
final class BreakingBody: RequestBody {
    private var bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard self.position < self.bytes.count else { throw TransportError.peerGone }
        let count = min(buffer.count, self.bytes.count - self.position, 64 * 1024)
        self.bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + self.position, byteCount: count) }
        self.position += count
        return count
    }
}
