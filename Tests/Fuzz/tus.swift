import DepotCore

/// tus headers: no trap on any text; metadata that parses re-encodes to metadata with the same
/// pairs; concatenation parts are always plain paths; checksums always have their algorithm's size.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let which = input.byte() % 4
    let text = input.string()
    switch which {
    case 0:
        guard let metadata = try? TusMetadata.parse(text) else { return 0 }
        let again = metadata.pairs.map { $0.value.isEmpty ? $0.key : "\($0.key) \(Base64.encode($0.value))" }.joined(separator: ",")
        guard again.utf8.count <= TusHeaders.maxMetadataBytes else { return 0 }
        let reparsed = try? TusMetadata.parse(again)
        require(reparsed?.pairs.map(\.key) == metadata.pairs.map(\.key), "keys change on re-encoding: \(text.prefix(200))")
        require(reparsed?.pairs.map(\.value) == metadata.pairs.map(\.value), "values change on re-encoding: \(text.prefix(200))")
    case 1:
        guard case .final(let paths)? = try? TusConcat.parse(text) else { return 0 }
        require(!paths.isEmpty, "a final concatenation without parts: \(text.prefix(200))")
        for path in paths {
            require(path.hasPrefix("/") && !path.contains("?") && !path.contains("#") && !path.contains(" "), "not a plain path: \(path.prefix(200))")
        }
    case 2:
        guard let checksum = try? TusChecksum.parse(text) else { return 0 }
        require(checksum.digest.count == checksum.algorithm.size, "digest of the wrong size: \(text.prefix(200))")
    default:
        guard let value = try? TusHeaders.integer("upload-offset", ["upload-offset": text]) else { return 0 }
        require(value >= 0, "a negative offset: \(text.prefix(100))")
    }
    return 0
}
