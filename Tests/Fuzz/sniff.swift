import DepotCore

/// Every sniffer: sizes are never negative, an image always has a size, the pixel check never
/// traps, and a prefix that already says "image of W × H" says what the whole file says.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let whole = ContentSniffer.sniff(bytes)
    check(whole)
    // Prefixes at a few cut points, short ones included.
    for length in Set([size / 2, size * 3 / 4, size - 1, 64, 512]) where length > 0 && length < size {
        let part = ContentSniffer.sniff(bytes[..<length])
        check(part)
        if part.kind == .image {
            require(part == whole, "prefix of \(length) says \(part), the whole file says \(whole)")
        }
    }
    return 0
}

func check(_ result: SniffResult) {
    require((result.width ?? 0) >= 0 && (result.height ?? 0) >= 0, "negative size \(result)")
    if result.kind == .image { require(result.width != nil && result.height != nil, "image without a size \(result)") }
    _ = result.fitsPixelLimit(178_956_970)
    _ = result.fitsPixelLimit(Int64.max)
}
