import DepotCore
import Glibc

/// The IP and CIDR parser against inet_pton: an address Depot accepts, glibc accepts too (and the
/// other way round for plain dotted quads and IPv6 without zone or brackets).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let text = input.string()
    // inet_pton reads a C string: it would stop at a NUL that Depot (rightly) refuses.
    guard !text.utf8.contains(0) else { return 0 }
    let network = IPAddress.Network(text)
    let address = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
    var buffer = [UInt8](repeating: 0, count: 16)
    let v4 = inet_pton(AF_INET, address, &buffer) == 1
    let v6 = inet_pton(AF_INET6, address, &buffer) == 1
    if network != nil { require(v4 || v6, "Depot accepts \(text) but inet_pton rejects \(address)") }
    if (v4 || v6) && !text.contains("/") { require(network != nil, "inet_pton accepts \(text) but Depot does not") }
    if let parsed = IPAddress(address) {
        _ = parsed.isPublic
        _ = network?.contains(parsed)
    }
    return 0
}
