import DepotCore

/// JSON: no trap on any bytes, and whatever parses serialises to text that parses to the same value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let value = try? JSONValue.parse(bytes) else { return 0 }
    let text = value.serialized
    guard let again = try? JSONValue.parse(Array(text.utf8)) else {
        require(false, "serialised JSON does not parse: \(text.prefix(200))")
        return 0
    }
    require(again == value, "round trip changes the value: \(text.prefix(200))")
    return 0
}
