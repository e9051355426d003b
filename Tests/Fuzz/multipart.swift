import DepotCore

/// The multipart parser, differential: the body fed whole and fed in chunks the fuzzer chooses must
/// give the same events (body bytes merged) and the same error kind. Layout of an input: one byte
/// of boundary length (1–70), the boundary, one byte for limits, 8 bytes of chunk sizes, then the body.
enum Event: Equatable {
    case begin(String, String?, String?)
    case body([UInt8])
    case partEnd
    case end
}

func run(_ body: ArraySlice<UInt8>, boundary: String, limits: Limits, chunks: [Int]) -> ([Event], MultipartError.Kind?) {
    var events: [Event] = []
    do {
        var parser = try MultipartParser(boundary: boundary, limits: limits)
        var offset = body.startIndex
        var index = 0
        func drain() throws(MultipartError) {
            while let event = try parser.next() {
                switch event {
                case .partBegin(let head): events.append(.begin(head.name, head.filename, head.contentType))
                case .body(let bytes):
                    if case .body(let previous) = events.last { events[events.count - 1] = .body(previous + bytes) } else { events.append(.body(Array(bytes))) }
                case .partEnd: events.append(.partEnd)
                case .end: events.append(.end)
                }
            }
        }
        while offset < body.endIndex {
            let size = chunks.isEmpty ? body.count : max(1, chunks[index % chunks.count])
            index += 1
            let end = min(body.endIndex, offset + size)
            try parser.append(body[offset..<end])
            offset = end
            try drain()
        }
        try parser.finish()
        return (events, nil)
    } catch {
        return (events, error.kind)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let boundaryLength = Int(input.byte() % 70) + 1
    let boundary = String(decoding: input.take(boundaryLength).map { $0 == 13 || $0 == 10 ? 0x2D : $0 }, as: UTF8.self)
    var limits = Limits()
    let limitByte = input.byte()
    if limitByte & 1 != 0 { limits.maxPartHeaderSize = 40 + Int(limitByte >> 1) }
    if limitByte & 2 != 0 { limits.maxFieldSize = Int(limitByte) }
    let chunks = input.take(8).map { Int($0 % 64) + 1 }
    let body = input.bytes
    guard let _ = try? MultipartParser(boundary: boundary, limits: limits) else { return 0 }
    let whole = run(body, boundary: boundary, limits: limits, chunks: [])
    let chunked = run(body, boundary: boundary, limits: limits, chunks: chunks)
    require(whole.1 == chunked.1, "error kinds differ: \(String(describing: whole.1)) whole, \(String(describing: chunked.1)) chunked \(chunks)")
    if whole.1 == nil { require(whole.0 == chunked.0, "events differ whole vs chunked \(chunks)") }
    return 0
}
