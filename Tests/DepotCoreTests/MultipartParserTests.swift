import DepotCore
import Foundation
import Testing

/// Parser events with body chunks merged, so runs with different chunkings compare equal.
enum ParsedEvent: Equatable, CustomStringConvertible {
    case begin(name: String, filename: String?, contentType: String?)
    case body([UInt8])
    case partEnd
    case end

    var description: String {
        switch self {
        case .begin(let name, let filename, let type): "begin(\(name), \(filename ?? "-"), \(type ?? "-"))"
        case .body(let bytes): "body(\(bytes.count): \(String(decoding: bytes.prefix(40), as: UTF8.self)))"
        case .partEnd: "partEnd"
        case .end: "end"
        }
    }
}

struct MultipartRun {
    var events: [ParsedEvent] = []
    var error: MultipartError?
}

/// Feeds `body` in the given chunks; stops at the first error.
func parse(_ body: [UInt8], boundary: String, chunks: [Int], limits: Limits = Limits()) -> MultipartRun {
    var run = MultipartRun()
    do {
        var parser = try MultipartParser(boundary: boundary, limits: limits)
        var offset = 0
        func drain() throws(MultipartError) {
            while let event = try parser.next() {
                switch event {
                case .partBegin(let head): run.events.append(.begin(name: head.name, filename: head.filename, contentType: head.contentType))
                case .body(let bytes):
                    if case .body(let previous) = run.events.last {
                        run.events[run.events.count - 1] = .body(previous + bytes)
                    } else {
                        run.events.append(.body(Array(bytes)))
                    }
                case .partEnd: run.events.append(.partEnd)
                case .end: run.events.append(.end)
                }
            }
        }
        for size in chunks {
            try parser.append(body[offset..<min(body.count, offset + size)])
            offset += size
            try drain()
        }
        if offset < body.count {
            try parser.append(body[offset...])
            try drain()
        }
        try parser.finish()
    } catch {
        run.error = error
    }
    return run
}

/// Every chunking the style guide asks for: whole, one byte at a time, every two-way split, seeded random splits.
func chunkings(for count: Int, seed: UInt64 = 42) -> [[Int]] {
    var result: [[Int]] = [[count], Array(repeating: 1, count: count)]
    for split in stride(from: 1, to: count, by: 1) { result.append([split, count - split]) }
    var generator = SeededGenerator(seed: seed)
    for _ in 0..<20 {
        var sizes: [Int] = []
        var left = count
        while left > 0 {
            let size = min(left, Int.random(in: 1...max(1, count / 5), using: &generator))
            sizes.append(size)
            left -= size
        }
        result.append(sizes)
    }
    return result
}

/// splitmix64: deterministic random splits.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Runs a body under every chunking and requires identical outcomes.
func verifyDripFed(_ body: [UInt8], boundary: String, limits: Limits = Limits(), sourceLocation: SourceLocation = #_sourceLocation) -> MultipartRun {
    let reference = parse(body, boundary: boundary, chunks: [body.count], limits: limits)
    for chunks in chunkings(for: body.count) {
        let run = parse(body, boundary: boundary, chunks: chunks, limits: limits)
        // A limit crossed mid-part may let different amounts of body out first; the error must match.
        let eventsDiffer = reference.error == nil && run.events != reference.events
        if eventsDiffer || run.error?.kind != reference.error?.kind {
            Issue.record("chunking \(chunks.prefix(8))… differs: \(run.events) / \(String(describing: run.error)) vs \(reference.events) / \(String(describing: reference.error))", sourceLocation: sourceLocation)
            break
        }
    }
    return reference
}

func fixture(_ name: String) throws -> (body: [UInt8], boundary: String) {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    let body = try Data(contentsOf: directory.appendingPathComponent(name))
    let type = try String(contentsOf: directory.appendingPathComponent(name + ".type"), encoding: .utf8)
    return (Array(body), MultipartParser.boundary(fromContentType: type)!)
}

func crlf(_ text: String) -> [UInt8] { Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8) }

@Suite struct MultipartParserTests {
    @Test func curlBody() throws {
        let (body, boundary) = try fixture("curl.multipart")
        let run = verifyDripFed(body, boundary: boundary)
        #expect(run.error == nil)
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 13, 10, 0x1A, 10, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 3, 0, 0, 0, 2, 8, 2, 0, 0, 0]
        #expect(run.events == [
            .begin(name: "title", filename: nil, contentType: nil), .body(Array("Hello 世界".utf8)), .partEnd,
            .begin(name: "meta", filename: nil, contentType: "application/json"), .body(Array(#"{"a":1}"#.utf8)), .partEnd,
            .begin(name: "img", filename: "图片 1.png", contentType: "image/png"), .body(png), .partEnd,
            .begin(name: "img", filename: "notes.txt", contentType: "text/plain"),
            .body(Array("line one\r\n--not-a-boundary\r\nline three\n".utf8)), .partEnd,
            .end,
        ])
    }

    @Test func pythonRequestsBody() throws {
        let (body, boundary) = try fixture("requests.multipart")
        let run = verifyDripFed(body, boundary: boundary)
        #expect(run.error == nil)
        // urllib3 escapes quotes as %22 (the HTML5 rule); a percent-encoded name is kept literally.
        #expect(run.events.contains(.begin(name: "file", filename: "naïve %22quoted%22;name.txt", contentType: "text/plain")))
        #expect(run.events.contains(.body(Array("\r\n--\r\nabc\r".utf8))))
        #expect(run.events.filter { if case .begin = $0 { true } else { false } }.count == 5)
        #expect(run.events.last == .end)
    }

    @Test func chromiumBody() throws {
        // Captured from headless Chromium posting FormData (see the fixture); quotes and newlines in
        // names arrive percent-encoded and are kept literally.
        let (body, boundary) = try fixture("chromium.multipart")
        #expect(boundary.hasPrefix("----WebKitFormBoundary"))
        let run = verifyDripFed(body, boundary: boundary)
        #expect(run.error == nil)
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 13, 10, 0x1A, 10, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 5, 0, 0, 0, 4, 8, 2, 0, 0, 0]
        #expect(run.events == [
            .begin(name: "mall_id", filename: nil, contentType: nil), .body(Array("7".utf8)), .partEnd,
            .begin(name: "meta", filename: "blob", contentType: "application/json"), .body(Array(#"{"a":1}"#.utf8)), .partEnd,
            .begin(name: "files", filename: "图 %22q%22 a%0Ab.png", contentType: "image/png"), .body(png), .partEnd,
            .begin(name: "files", filename: "", contentType: "application/octet-stream"), .partEnd,
            .end,
        ])
    }

    @Test func browserShapedBody() {
        // Chromium's shape: WebKitFormBoundary, quotes in names escaped as %22, raw UTF-8, an empty file input.
        let body = crlf("""
            ------WebKitFormBoundaryAbC123xyz
            Content-Disposition: form-data; name="mall_id"

            7
            ------WebKitFormBoundaryAbC123xyz
            Content-Disposition: form-data; name="files"; filename="a%22b.png"
            Content-Type: image/png

            PNGDATA
            ------WebKitFormBoundaryAbC123xyz
            Content-Disposition: form-data; name="files"; filename=""
            Content-Type: application/octet-stream


            ------WebKitFormBoundaryAbC123xyz--

            """)
        let run = verifyDripFed(body, boundary: "----WebKitFormBoundaryAbC123xyz")
        #expect(run.error == nil)
        #expect(run.events == [
            .begin(name: "mall_id", filename: nil, contentType: nil), .body(Array("7".utf8)), .partEnd,
            .begin(name: "files", filename: "a%22b.png", contentType: "image/png"), .body(Array("PNGDATA".utf8)), .partEnd,
            .begin(name: "files", filename: "", contentType: "application/octet-stream"), .partEnd,
            .end,
        ])
    }

    @Test func preambleEpilogueTransportPaddingAndExtendedFilename() {
        let body = crlf("""
            This is the preamble.
            --XyZ \t
            Content-Disposition: form-data; name="f"; filename="fallback.txt"; filename*=UTF-8''%E6%8A%A5%E8%A1%A8%2090%25.xlsx
            content-type:text/plain

            data
            --XyZ--
            epilogue --XyZ garbage
            """)
        let run = verifyDripFed(body, boundary: "XyZ")
        #expect(run.error == nil)
        #expect(run.events == [.begin(name: "f", filename: "报表 90%.xlsx", contentType: "text/plain"), .body(Array("data".utf8)), .partEnd, .end])
    }

    @Test(arguments: [
        // LF only: "--b" followed by LF does not end a line, so no boundary is ever found.
        ("--b\nContent-Disposition: form-data; name=\"a\"\n\nx\n--b--\n", MultipartError.Kind.truncated),
        ("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n", .missingContentDisposition),
        ("--b\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--b--\r\n", .missingContentDisposition),
        ("--b\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--b--\r\n", .missingContentDisposition),
        ("--b\r\nno colon here\r\n\r\nx\r\n--b--\r\n", .malformedHeader),
        // "--bXY" is not a boundary line but data, and then the body ends without its close delimiter.
        ("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--bXY\r\n", .truncated),
        ("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx", .truncated),
        ("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n", .truncated),
        ("no boundary anywhere", .truncated),
        ("", .truncated),
    ])
    func malformedBodies(text: String, kind: MultipartError.Kind) {
        let run = verifyDripFed(Array(text.utf8), boundary: "b")
        #expect(run.error?.kind == kind, "got \(String(describing: run.error))")
    }

    @Test func eachLimitHasItsOwnError() {
        func part(_ name: String, _ filename: String?, _ body: String) -> String {
            let file = filename.map { "; filename=\"\($0)\"" } ?? ""
            return "--b\r\nContent-Disposition: form-data; name=\"\(name)\"\(file)\r\n\r\n\(body)\r\n"
        }
        var limits = Limits()
        limits.maxParts = 2
        #expect(verifyDripFed(Array((part("a", nil, "1") + part("b", nil, "2") + part("c", nil, "3") + "--b--").utf8), boundary: "b", limits: limits).error?.kind == .tooManyParts)
        limits = Limits()
        limits.maxFiles = 1
        #expect(verifyDripFed(Array((part("a", "x", "1") + part("a", "y", "2") + "--b--").utf8), boundary: "b", limits: limits).error?.kind == .tooManyFiles)
        limits = Limits()
        limits.maxFieldSize = 4
        #expect(verifyDripFed(Array((part("a", nil, "12345") + "--b--").utf8), boundary: "b", limits: limits).error?.kind == .fieldTooLarge)
        #expect(verifyDripFed(Array((part("a", nil, "1234") + "--b--").utf8), boundary: "b", limits: limits).error == nil)
        limits = Limits()
        limits.maxFileSize = 4
        #expect(verifyDripFed(Array((part("a", "f", "12345") + "--b--").utf8), boundary: "b", limits: limits).error?.kind == .fileTooLarge)
        limits = Limits()
        limits.maxPartHeaderSize = 40
        #expect(verifyDripFed(Array((part("a-very-long-field-name", "and-a-long-filename.txt", "1") + "--b--").utf8), boundary: "b", limits: limits).error?.kind == .headerBlockTooLarge)
        limits = Limits()
        limits.maxRequestSize = 50
        #expect(verifyDripFed(Array((part("a", nil, String(repeating: "z", count: 60)) + "--b--").utf8), boundary: "b", limits: limits).error?.kind == .requestTooLarge)
        limits = Limits()
        limits.maxPreambleSize = 10
        #expect(verifyDripFed(Array(("0123456789abcdef\r\n" + part("a", nil, "1") + "--b--").utf8), boundary: "b", limits: limits).error?.kind == .preambleTooLarge)
    }

    @Test func memoryStaysBoundedWhateverThePartSize() throws {
        // 8 MiB of CR-heavy data through one part in 64 KiB chunks: the parser never keeps more than
        // a chunk plus a delimiter.
        var parser = try MultipartParser(boundary: "bound", limits: Limits())
        try parser.append(Array("--bound\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\n".utf8))
        _ = try parser.next()
        let chunk = [UInt8](repeating: 13, count: 64 * 1024)
        var delivered = 0
        for _ in 0..<128 {
            try parser.append(chunk)
            while let event = try parser.next() {
                if case .body(let bytes) = event { delivered += bytes.count }
            }
        }
        #expect(delivered >= 128 * 64 * 1024 - 8)
        try parser.append(Array("\r\n--bound--".utf8))
        while let event = try parser.next() {
            if case .body(let bytes) = event { delivered += bytes.count }
        }
        try parser.finish()
        #expect(delivered == 128 * 64 * 1024)
    }

    @Test func boundaryFromContentType() {
        #expect(MultipartParser.boundary(fromContentType: "multipart/form-data; boundary=abc") == "abc")
        #expect(MultipartParser.boundary(fromContentType: "Multipart/Form-Data; charset=utf-8; boundary=\"a b\"") == "a b")
        #expect(MultipartParser.boundary(fromContentType: "application/json") == nil)
        #expect(MultipartParser.boundary(fromContentType: "multipart/form-data") == nil)
        #expect(MultipartParser.boundary(fromContentType: " multipart/form-data ;\tBOUNDARY = \"----x\" ") == "----x")
        #expect(MultipartParser.boundary(fromContentType: "multipart/form-data; boundary=\"\"") == nil)
        #expect(MultipartParser.boundary(fromContentType: "multipart/form-datax; boundary=a") == nil)
        #expect(MultipartParser.boundary(fromContentType: "multipart/form-data; xboundary=a; boundary=b") == "b")
    }

    @Test func contentDispositionTokenizer() {
        let quoted = ContentDisposition(parsing: #"form-data; name="a\"b"; filename="c:\\x\\y.txt""#)
        #expect(quoted?.name == "a\"b")
        #expect(quoted?.filename == #"c:\x\y.txt"#)
        #expect(ContentDisposition(parsing: "form-data; name=plain")?.name == "plain")
        #expect(ContentDisposition(parsing: "form-data; filename*=iso-8859-1''caf%E9.txt; name=x")?.filename == "café.txt")
        #expect(ContentDisposition(parsing: "form-data; name=\"unterminated") == nil)
        #expect(ContentDisposition(parsing: "; name=x") == nil)
    }

    // MARK: Found by fuzzing and by python-multipart's fixture suite

    /// A field whose data holds `CRLF--boundary` followed by something that does not end the line.
    func almostMatch(_ tail: [UInt8]) -> (body: [UInt8], data: [UInt8]) {
        let q = [UInt8](repeating: UInt8(ascii: "Q"), count: 20)
        let data = q + [13, 10] + Array("----boundary".utf8) + tail + q
        let body = Array("----boundary\r\nContent-Disposition: form-data; name=\"field\"\r\n\r\n".utf8) + data
            + Array("\r\n----boundary--".utf8)
        return (body, data)
    }

    @Test(arguments: [
        [UInt8](),  // no CR: "--boundaryQ"
        [13],  // CR without LF
        [UInt8(ascii: "-")],  // one hyphen, not two
        [0x20, 0x20, UInt8(ascii: "x")],  // padding, then not CRLF
    ])
    func almostMatchingBoundaryIsData(tail: [UInt8]) {
        // python-multipart, Go's mime/multipart and werkzeug read these as data; Depot refused the request.
        let (body, data) = almostMatch(tail)
        let run = verifyDripFed(body, boundary: "--boundary")
        #expect(run.error == nil, "\(String(describing: run.error))")
        #expect(run.events == [.begin(name: "field", filename: nil, contentType: nil), .body(data), .partEnd, .end])
    }

    @Test func tooMuchPaddingAfterABoundaryIsData() {
        let (body, data) = almostMatch([UInt8](repeating: 0x20, count: 300) + [13, 10])
        let run = verifyDripFed(body, boundary: "--boundary")
        #expect(run.error == nil)
        #expect(run.events == [.begin(name: "field", filename: nil, contentType: nil), .body(data), .partEnd, .end])
    }

    @Test func paddedBoundaryLinesStillCount() {
        let body = Array("--b \t\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--b  \r\nContent-Disposition: form-data; name=\"c\"\r\n\r\ny\r\n--b--  \r\n".utf8)
        let run = verifyDripFed(body, boundary: "b")
        #expect(run.error == nil)
        #expect(run.events.filter { $0 == .partEnd }.count == 2)
    }

    @Test func headerBlockExactlyAtTheLimitPassesWhateverTheSplit() {
        // The block (its lines and their CRLFs, the blank line excluded) is exactly the limit long.
        let head = "Content-Disposition: form-data; name=\"a\"\r\nX-Pad: "
        var limits = Limits()
        limits.maxPartHeaderSize = 100
        let pad = String(repeating: "p", count: 100 - head.utf8.count - 2)
        let block = head + pad + "\r\n"
        #expect(block.utf8.count == 100)
        let body = Array(("--b\r\n" + block + "\r\nv\r\n--b--\r\n").utf8)
        let run = verifyDripFed(body, boundary: "b", limits: limits)
        #expect(run.error == nil, "\(String(describing: run.error))")
        // One byte more is over the limit, however the body is split.
        let over = Array(("--b\r\n" + head + pad + "p\r\n\r\nv\r\n--b--\r\n").utf8)
        #expect(verifyDripFed(over, boundary: "b", limits: limits).error?.kind == .headerBlockTooLarge)
    }
}
