import DepotCore

/// The configuration file parser and value parsers: no trap on any text, and a file reads the same
/// with LF and with CRLF line ends (the bug that silently dropped every setting).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let text = input.string()
    let lf = try? INIDocument(parsing: text)
    let crlf = try? INIDocument(parsing: text.replacingOccurrences(of: "\n", with: "\r\n"))
    if !text.contains("\r") {
        require((lf == nil) == (crlf == nil), "CRLF changes whether the file parses")
        if let lf, let crlf {
            require(lf.entries.map(\.key) == crlf.entries.map(\.key), "CRLF changes the keys")
            require(lf.entries.map(\.line) == crlf.entries.map(\.line), "CRLF changes the line numbers")
        }
    }
    for entry in lf?.entries ?? [] {
        _ = ConfigValue.size(entry.value)
        _ = ConfigValue.seconds(entry.value)
        _ = ConfigValue.bool(entry.value)
        for item in ConfigValue.list(entry.value) { _ = IPAddress.Network(item) }
    }
    _ = ConfigValue.size(text)
    _ = ConfigValue.seconds(text)
    return 0
}
