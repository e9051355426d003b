import DepotCore
import Foundation
import Testing

/// The tus 1.0.0 header codec, without sockets.
@Suite struct TusHeadersTests {
    private func creation(_ headers: [String: String]) throws(TusError) -> TusHeaders.Creation {
        try TusHeaders.creation(headers)
    }

    @Test func versionIsRequiredAndOnly1_0_0() throws {
        try TusHeaders.checkVersion(["tus-resumable": "1.0.0"])
        for headers in [[:], ["tus-resumable": "0.2.2"], ["tus-resumable": "1.0"], ["tus-resumable": ""]] {
            #expect(throws: TusError.self) { try TusHeaders.checkVersion(headers) }
            do { try TusHeaders.checkVersion(headers) } catch { #expect(error.status == 412) }
        }
    }

    @Test func methodOverrideWins() {
        #expect(TusHeaders.method("POST", headers: ["x-http-method-override": "patch"]) == "PATCH")
        #expect(TusHeaders.method("POST", headers: ["x-http-method-override": " "]) == "POST")
        #expect(TusHeaders.method("HEAD", headers: [:]) == "HEAD")
    }

    @Test(arguments: ["-1", "+1", "1e3", "0x10", "", "1 2", "１", "9999999999999999999", "12abc"])
    func malformedLengthsAndOffsetsAre400(value: String) {
        #expect(throws: TusError(.invalid, "upload-offset must be a whole number of bytes")) {
            try TusHeaders.integer("upload-offset", ["upload-offset": value])
        }
    }

    @Test func wellFormedIntegers() throws {
        #expect(try TusHeaders.integer("upload-length", ["upload-length": "0"]) == 0)
        #expect(try TusHeaders.integer("upload-length", ["upload-length": " 1048576 "]) == 1_048_576)
        #expect(try TusHeaders.integer("upload-length", ["upload-length": "999999999999999999"]) == 999_999_999_999_999_999)
        #expect(try TusHeaders.integer("upload-length", [:]) == nil)
    }

    @Test func creationNeedsExactlyOneOfLengthAndDeferral() throws {
        #expect(try creation(["upload-length": "10"]).length == 10)
        let deferred = try creation(["upload-defer-length": "1"])
        #expect(deferred.length == nil && deferred.deferLength)
        for bad in [[:], ["upload-length": "10", "upload-defer-length": "1"], ["upload-defer-length": "0"], ["upload-defer-length": "true"]] {
            #expect(throws: TusError.self, "\(bad)") { try creation(bad) }
        }
        #expect(try creation(["upload-length": "5", "upload-concat": "partial"]).concat == .partial)
        #expect(try creation(["upload-concat": "final;/api/tus/a/1 /api/tus/a/2"]).concat == .final(["/api/tus/a/1", "/api/tus/a/2"]))
        #expect(throws: TusError.self) { try creation(["upload-concat": "final;/api/tus/a/1", "upload-length": "3"]) }
    }

    @Test func metadataAsTheSpecificationWritesIt() throws {
        let metadata = try TusMetadata.parse("filename d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg==,is_confidential")
        #expect(metadata.text("filename") == "world_domination_plan.pdf")
        #expect(metadata["is_confidential"] == [])
        #expect(metadata.pairs.map(\.key) == ["filename", "is_confidential"])
        #expect(metadata.raw == "filename d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg==,is_confidential")
        #expect(try TusMetadata.parse(nil).pairs.isEmpty)
        #expect(try TusMetadata.parse("a YQ==, b Yg==").text("b") == "b")
    }

    @Test(arguments: [
        "a YQ==,a Yg==", "a not-base64!", "a YQ", ",a YQ==", "a YQ==,,b Yg==", " ", "k\u{7F} YQ==", "ключ YQ==",
        "a " + String(repeating: "QUFB", count: 1100),
    ])
    func badMetadataIs400(header: String) {
        #expect(throws: TusError.self, "\(header.prefix(40))") { try TusMetadata.parse(header) }
    }

    @Test func metadataRoundTripsWhateverTheBytes() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let count = Int.random(in: 1...6, using: &generator)
            let pairs = (0..<count).map { index in
                ("k\(index)_\(Int.random(in: 0...99, using: &generator))", (0..<Int.random(in: 0...40, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) })
            }
            let header = pairs.map { $0.1.isEmpty ? $0.0 : "\($0.0) \(Base64.encode($0.1))" }.joined(separator: ",")
            let parsed = try TusMetadata.parse(header)
            #expect(parsed.pairs.map(\.key) == pairs.map(\.0))
            #expect(parsed.pairs.map(\.value) == pairs.map(\.1))
        }
    }

    @Test func concatenationURLsMayBePathsOrAbsolute() throws {
        #expect(try TusConcat.parse("final;https://cdn.example.com/api/tus/a/1  http://x:8080/api/tus/a/2")
            == .final(["/api/tus/a/1", "/api/tus/a/2"]))
        for bad in ["final;", "final", "partial;x", "final;ftp://x/api/tus/a/1", "final;/api/tus/a/1?x=1", "final;https://host", "complete"] {
            #expect(throws: TusError.self, "\(bad)") { try TusConcat.parse(bad) }
        }
    }

    @Test func checksumsNeedAKnownAlgorithmAndADigestOfItsSize() throws {
        let sha1 = Base64.encode([UInt8](repeating: 7, count: 20))
        #expect(try TusChecksum.parse("sha1 \(sha1)") == TusChecksum(algorithm: .sha1, digest: [UInt8](repeating: 7, count: 20)))
        #expect(try TusChecksum.parse("md5 \(Base64.encode([UInt8](repeating: 1, count: 16)))").algorithm == .md5)
        for bad in ["sha256 \(sha1)", "crc32 \(sha1)", "SHA1 \(sha1)", "sha1", "sha1 !!!", "sha1 \(sha1) extra"] {
            #expect(throws: TusError.self, "\(bad)") { try TusChecksum.parse(bad) }
        }
    }

    @Test func patchNeedsTheOffsetContentTypeAndAnOffset() throws {
        let ok = try TusHeaders.patch(["content-type": "application/offset+octet-stream", "upload-offset": "42", "upload-length": "100"])
        #expect(ok == TusHeaders.Patch(offset: 42, length: 100, checksum: nil))
        do {
            _ = try TusHeaders.patch(["content-type": "application/octet-stream", "upload-offset": "0"])
            Issue.record("a PATCH with another content type is 415")
        } catch {
            #expect(error.status == 415)
        }
        #expect(throws: TusError.self) { try TusHeaders.patch(["content-type": "application/offset+octet-stream"]) }
        #expect(throws: TusError.self) {
            try TusHeaders.patch(["content-type": "application/offset+octet-stream", "upload-offset": "0", "upload-checksum": "sha1 x"])
        }
    }
}
