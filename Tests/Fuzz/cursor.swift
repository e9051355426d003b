import DepotCore

/// The list cursor: any text either is refused or is exactly the encoding of what it decodes to
/// (one spelling per position, ids positive); any cursor Depot makes decodes to itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    if input.byte() % 2 == 0 {
        let text = input.string()
        guard let cursor = ListCursor.decode(text) else { return 0 }
        require(cursor.encoded == text, "\(text.prefix(200)) decodes to a cursor that encodes differently")
        require(cursor.mallID > 0 && cursor.lastID > 0, "\(text.prefix(200)) decodes to a non-positive id")
    } else {
        func number() -> Int64 {
            var value: UInt64 = 0
            for _ in 0..<8 { value = value << 8 | UInt64(input.byte()) }
            return Int64(bitPattern: value)
        }
        let mall = max(1, number() & Int64.max)
        let type: Int64? = input.byte() % 3 == 0 ? nil : number() & Int64.max
        let last = max(1, number() & Int64.max)
        let cursor = ListCursor(mallID: mall, type: type, lastID: last)
        require(ListCursor.decode(cursor.encoded) == cursor, "\(cursor) does not survive encoding")
    }
    return 0
}
