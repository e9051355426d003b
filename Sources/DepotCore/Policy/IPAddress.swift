/// An IPv4 or IPv6 address as raw bytes, and the IANA special-purpose ranges that are not public.
package enum IPAddress: Sendable, Equatable, CustomStringConvertible {
    case v4(UInt32)
    case v6([UInt8])  // 16 bytes

    /// Parses dotted-quad IPv4 (strict: four decimal parts) or IPv6 text (with `::` and an
    /// optional embedded IPv4 tail). Hosts in URLs are resolved by the transport, not here.
    package init?(_ text: String) {
        if let v4 = IPAddress.parseV4(text) {
            self = .v4(v4)
        } else if let v6 = IPAddress.parseV6(text) {
            self = .v6(v6)
        } else {
            return nil
        }
    }

    package var description: String {
        switch self {
        case .v4(let value): return "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
        case .v6(let bytes):
            return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":")
        }
    }

    /// True for globally routable unicast addresses; false for everything in the IANA IPv4 and
    /// IPv6 special-purpose registries (loopback, private, CGNAT, link-local, multicast, reserved,
    /// documentation, benchmarking, 0.0.0.0/8, ...). IPv4 embedded in IPv6 (mapped, compatible,
    /// NAT64, 6to4) is judged by its IPv4 part.
    package var isPublic: Bool {
        switch self {
        case .v4(let value):
            return !IPAddress.deniedV4.contains { $0.contains(value) }
        case .v6(let bytes):
            if let embedded = IPAddress.embeddedV4(bytes) { return IPAddress.v4(embedded).isPublic && !IPAddress.isNAT64Local(bytes) }
            return !IPAddress.deniedV6.contains { $0.contains(bytes) }
        }
    }

    // MARK: Ranges

    package struct V4Range: Sendable {
        let base: UInt32
        let bits: Int
        /// `a.b.c.d/bits`, or nil unless both parts are strictly well-formed.
        package init?(_ text: String) {
            guard let (address, bits) = IPAddress.splitCIDR(text, maxBits: 32), let base = IPAddress.parseV4(address) else { return nil }
            self.base = base
            self.bits = bits ?? 32
        }
        package func contains(_ value: UInt32) -> Bool {
            let mask: UInt32 = self.bits == 0 ? 0 : ~UInt32(0) << UInt32(32 - self.bits)
            return value & mask == self.base & mask
        }
    }

    package struct V6Range: Sendable {
        let base: [UInt8]
        let bits: Int
        /// `v6-address/bits`, or nil unless both parts are strictly well-formed.
        package init?(_ text: String) {
            // A network is written bare: no [brackets] and no %zone, which only URL hosts carry.
            guard let (address, bits) = IPAddress.splitCIDR(text, maxBits: 128), !address.contains("%"), !address.contains("["),
                let base = IPAddress.parseV6(address)
            else { return nil }
            self.base = base
            self.bits = bits ?? 128
        }
        package func contains(_ bytes: [UInt8]) -> Bool {
            var remaining = self.bits
            for index in 0..<16 where remaining > 0 {
                let take = min(8, remaining)
                let mask = UInt8(0xFF) << UInt8(8 - take)
                if bytes[index] & mask != self.base[index] & mask { return false }
                remaining -= take
            }
            return true
        }
    }

    /// A CIDR of either family, for `fetch.allow_networks`.
    package enum Network: Sendable {
        case v4(V4Range)
        case v6(V6Range)

        /// A CIDR (`10.1.0.0/16`, `fd00::/8`) or a single address; nil for anything `inet_pton` and
        /// a plain prefix length would not both accept (empty parts, signs, leading zeros, junk).
        package init?(_ text: String) {
            if let range = V4Range(text) {
                self = .v4(range)
            } else if let range = V6Range(text) {
                self = .v6(range)
            } else {
                return nil
            }
        }

        package func contains(_ address: IPAddress) -> Bool {
            switch (self, address) {
            case (.v4(let range), .v4(let value)): return range.contains(value)
            case (.v6(let range), .v6(let bytes)): return range.contains(bytes)
            case (.v4(let range), .v6(let bytes)): return IPAddress.embeddedV4(bytes).map(range.contains) ?? false
            default: return false
            }
        }
    }

    /// IANA IPv4 Special-Purpose Address Registry, plus multicast and the limited broadcast.
    static let deniedV4: [V4Range] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
        "192.0.2.0/24", "192.31.196.0/24", "192.52.193.0/24", "192.88.99.0/24", "192.168.0.0/16", "192.175.48.0/24",
        "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
    ].map { V4Range($0)! }

    /// IANA IPv6 Special-Purpose Address Registry, plus multicast and the deprecated site-local range.
    static let deniedV6: [V6Range] = [
        "::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "100:0:0:1::/64", "2001::/23", "2001:db8::/32", "2002::/16",
        "2620:4f:8000::/48", "3fff::/20", "5f00::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
    ].map { V6Range($0)! }

    /// The IPv4 inside ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible, not :: or ::1) and
    /// 64:ff9b::a.b.c.d (the NAT64 well-known prefix).
    static func embeddedV4(_ bytes: [UInt8]) -> UInt32? {
        let tail = UInt32(bytes[12]) << 24 | UInt32(bytes[13]) << 16 | UInt32(bytes[14]) << 8 | UInt32(bytes[15])
        let zeroHead = bytes[0..<10].allSatisfy { $0 == 0 }
        if zeroHead && bytes[10] == 0xFF && bytes[11] == 0xFF { return tail }
        if zeroHead && bytes[10] == 0 && bytes[11] == 0 && tail > 1 { return tail }
        if IPAddress.nat64WellKnown.contains(bytes) { return tail }
        return nil
    }

    private static let nat64WellKnown = V6Range("64:ff9b::/96")!
    private static let nat64Local = V6Range("64:ff9b:1::/48")!

    static func isNAT64Local(_ bytes: [UInt8]) -> Bool { IPAddress.nat64Local.contains(bytes) }

    // MARK: Parsing

    static func parseV4(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            // Decimal digits only, as inet_pton takes them: no sign, no leading zero (010 is not 10).
            guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy(isDecimalDigit), part.utf8.count == 1 || part.utf8.first != UInt8(ascii: "0"),
                let number = UInt32(part), number <= 255
            else { return nil }
            value = value << 8 | number
        }
        return value
    }

    static func parseV6(_ text: String) -> [UInt8]? {
        var text = Substring(text)
        if text.hasPrefix("[") && text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if let zone = text.firstIndex(of: "%") { text = text[..<zone] }
        guard text.contains(":") else { return nil }
        var tailV4: UInt32?
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard let v4 = parseV4(String(text[text.index(after: lastColon)...])) else { return nil }
            tailV4 = v4
            text = text[...lastColon]
            if text.hasSuffix(":") && !text.hasSuffix("::") { text = text.dropLast() }
        }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out: [UInt16] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(group.utf8.count), group.utf8.allSatisfy(isHexDigit), let value = UInt16(group, radix: 16) else { return nil }
                out.append(value)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        let tail = halves.count == 2 ? groups(halves[1]) : []
        guard let tail else { return nil }
        let needed = tailV4 == nil ? 8 : 6
        var all: [UInt16]
        if halves.count == 2 {
            guard head.count + tail.count < needed else { return nil }
            all = head + [UInt16](repeating: 0, count: needed - head.count - tail.count) + tail
        } else {
            guard head.count == needed else { return nil }
            all = head
        }
        var bytes: [UInt8] = []
        for group in all { bytes += [UInt8(group >> 8), UInt8(group & 0xFF)] }
        if let tailV4 { bytes += [UInt8(tailV4 >> 24), UInt8(tailV4 >> 16 & 0xFF), UInt8(tailV4 >> 8 & 0xFF), UInt8(tailV4 & 0xFF)] }
        return bytes.count == 16 ? bytes : nil
    }

    /// `address[/bits]` split strictly: one slash at most, a non-empty address, and a prefix
    /// length of decimal digits (no sign) within `maxBits`.
    static func splitCIDR(_ text: String, maxBits: Int) -> (String, Int?)? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty else { return nil }
        guard parts.count == 2 else { return (String(parts[0]), nil) }
        let digits = parts[1].utf8
        guard (1...3).contains(digits.count), digits.allSatisfy(isDecimalDigit), let bits = Int(parts[1]), bits <= maxBits else { return nil }
        return (String(parts[0]), bits)
    }

    private static func isDecimalDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDecimalDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "f"))
    }
}
