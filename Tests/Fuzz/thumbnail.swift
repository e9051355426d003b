import DepotCore

/// Thumbnail parameters and `Accept`: any query values either parse to a size that is configured
/// (and a fit and a format) or are refused with 40000; any Accept header settles `auto` to one
/// output; the variant's key and stored name are always safe stored-path segments.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let sizes = [64, 128, 256, 512, 1024]
    func optional() -> String? { input.byte() % 4 == 0 ? nil : input.field() }
    let size = optional()
    let fit = optional()
    let format = optional()
    let accept = input.string()
    do {
        let request = try ThumbnailRequest.parse(size: size, fit: fit, format: format, sizes: sizes)
        require(sizes.contains(request.size), "size \(request.size) is not configured")
        let variant = ThumbnailVariant(request, accept: accept)
        require(variant.variesByAccept == (request.format == nil), "Vary: Accept must follow format=auto")
        let path = variant.storedPath(sha256: String(repeating: "0f", count: 32), token: "abc", format: .webp)
        require(StorageNaming.isSafeStoredPath(path) && path.hasPrefix("/.thumbnails/"), "unsafe stored path \(path)")
        require(!variant.key.contains("/") && !variant.key.contains(".."), "unsafe key \(variant.key)")
    } catch {
        require(error.code == .paramsInvalid, "\(error) is not 40000")
    }
    return 0
}
