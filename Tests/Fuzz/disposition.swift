import DepotCore

/// Content-Disposition parsing (part headers) and writing (downloads), percent-encoding, file name
/// sanitising: no trap, and what Depot writes it can read back.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let text = input.string()
    if let parsed = ContentDisposition(parsing: text) {
        _ = parsed.filename.flatMap(StorageNaming.sanitizeFilename)
    }
    _ = ContentDisposition.decodeExtendedValue(text)
    if let clean = StorageNaming.sanitizeFilename(text) {
        require(clean.utf8.count <= 255 && !clean.contains("/"), "sanitised name \(clean) is not a file name")
        let header = ContentDispositionHeader.make(inline: false, filename: clean)
        let back = ContentDisposition(parsing: "form-data; name=\"f\"; " + header.dropFirst("attachment; ".count))
        require(back?.filename == clean, "Content-Disposition for \(clean) reads back as \(String(describing: back?.filename))")
    }
    let encoded = PercentEncoding.encode(text)
    require(PercentEncoding.decode(encoded) == text, "percent-encoding does not round-trip \(text)")
    _ = PercentEncoding.decode(text, plusAsSpace: true)
    return 0
}
