import DepotCore
import Foundation
import Testing

@Suite struct DownloadPlanTests {
    @Test func nonASCIIAndPercentNamesSurviveBothForms() throws {
        let plan = try #require(DownloadPlan(storedPath: "/reports/2026-11-21/a.xlsx", contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", originalName: "报表 90%.xlsx", forceDownload: false))
        #expect(plan.contentDisposition == "attachment; filename=\"__ 90%.xlsx\"; filename*=UTF-8''%E6%8A%A5%E8%A1%A8%2090%25.xlsx")
        #expect(!plan.isActiveContent)
    }

    @Test func quotesAndSemicolonsAreEscaped() throws {
        let plan = try #require(DownloadPlan(storedPath: "/a/b.txt", contentType: "text/plain; charset=utf-8", originalName: "naïve \"quoted\";name.txt", forceDownload: false))
        #expect(plan.contentDisposition == "attachment; filename=\"na_ve \\\"quoted\\\";name.txt\"; filename*=UTF-8''na%C3%AFve%20%22quoted%22%3Bname.txt")
    }

    @Test func mediaIsInlineUnlessDownloadIsAsked() throws {
        #expect(DownloadPlan(storedPath: "/m/x.png", contentType: "image/png", originalName: "x.png", forceDownload: false)?.contentDisposition.hasPrefix("inline;") == true)
        #expect(DownloadPlan(storedPath: "/m/x.mp4", contentType: "video/mp4", originalName: "x.mp4", forceDownload: false)?.contentDisposition.hasPrefix("inline;") == true)
        #expect(DownloadPlan(storedPath: "/m/x.png", contentType: "image/png", originalName: "x.png", forceDownload: true)?.contentDisposition.hasPrefix("attachment;") == true)
    }

    @Test(arguments: ["text/html", "image/svg+xml", "application/xml", "text/javascript", "application/xhtml+xml", "TEXT/HTML; charset=utf-8"])
    func activeContentIsAnAttachmentInTheSandbox(type: String) throws {
        let plan = try #require(DownloadPlan(storedPath: "/n/p.html", contentType: type, originalName: "p.html", forceDownload: false))
        #expect(plan.isActiveContent)
        #expect(plan.contentDisposition.hasPrefix("attachment;"))
        #expect(plan.accelRedirect.hasPrefix("/_stored_sandboxed/"))
    }

    @Test func redirectIsPercentEncodedPerSegment() throws {
        let plan = try #require(DownloadPlan(storedPath: "/ns/2026-11-21/a b%?#名.txt", contentType: "text/plain", originalName: "x", forceDownload: false))
        #expect(plan.accelRedirect == "/_stored/ns/2026-11-21/a%20b%25%3F%23%E5%90%8D.txt")
    }

    @Test func dotsThatAreNotTraversalAreKept() throws {
        let plan = try #require(DownloadPlan(storedPath: "/ns/.../.hidden/a..b", contentType: "image/png", originalName: "x", forceDownload: false))
        #expect(plan.accelRedirect == "/_stored/ns/.../.hidden/a..b")
        #expect(ContentDispositionHeader.asciiFallback("a\u{7}b\u{7F}名\u{1F600}\"\\") == #"a_b___\"\\"#)
    }

    @Test(arguments: ["", "/", "relative/x", "/a/../b", "/a/./b", "/a//b", "/..", "/.", "/a/b/", "/a/b\u{0}c", "/a/.."])
    func unsafeStoredPathsGetNoPlan(path: String) {
        #expect(DownloadPlan(storedPath: path, contentType: "text/plain", originalName: "x", forceDownload: false) == nil)
    }

    @Test func ranges() {
        #expect(ByteRange.resolve(nil, size: 100) == .whole)
        #expect(ByteRange.resolve("bytes=0-9", size: 100) == .partial(start: 0, end: 9))
        #expect(ByteRange.resolve("bytes=90-", size: 100) == .partial(start: 90, end: 99))
        #expect(ByteRange.resolve("bytes=-10", size: 100) == .partial(start: 90, end: 99))
        #expect(ByteRange.resolve("bytes=-500", size: 100) == .partial(start: 0, end: 99))
        #expect(ByteRange.resolve("bytes=50-5000", size: 100) == .partial(start: 50, end: 99))
        #expect(ByteRange.resolve("bytes=100-", size: 100) == .unsatisfiable)
        #expect(ByteRange.resolve("bytes=-0", size: 100) == .unsatisfiable)
        #expect(ByteRange.resolve("bytes=0-1,5-6", size: 100) == .whole)  // multipart ranges: whole file
        #expect(ByteRange.resolve("bytes=9-1", size: 100) == .whole)
        #expect(ByteRange.resolve("items=0-1", size: 100) == .whole)
    }

    @Test func signedLinks() {
        // A stand-in MAC: the test is about message, expiry and comparison; HMAC has its own vectors.
        let signer = SignedLink(key: "k") { key, message in Array((key + message).reversed().prefix(32)) }
        let now = Date(timeIntervalSince1970: 1_000_000)
        let query = signer.query(path: "/api/files/abc", expires: 1_000_100)
        let sig = String(query.split(separator: "=").last!)
        #expect(query.hasPrefix("expires=1000100&sig="))
        #expect(signer.verify(path: "/api/files/abc", expires: "1000100", signature: sig, now: now) == .valid)
        #expect(signer.verify(path: "/api/files/abc", expires: "1000100", signature: sig, now: Date(timeIntervalSince1970: 1_000_100)) == .expired)
        #expect(signer.verify(path: "/api/files/abd", expires: "1000100", signature: sig, now: now) == .badSignature)
        #expect(signer.verify(path: "/api/files/abc", expires: "1000101", signature: sig, now: now) == .badSignature)
        #expect(signer.verify(path: "/api/files/abc", expires: "soon", signature: sig, now: now) == .badSignature)
    }
}
