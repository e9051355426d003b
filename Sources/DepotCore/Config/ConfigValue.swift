/// Parsers for configuration values; each returns nil for a value it cannot accept.
package enum ConfigValue {
    /// Bytes, or a number with `K`, `M`, `G` or `T` (binary units, optional trailing `B`/`iB`).
    package static func size(_ text: String) -> Int64? {
        var body = Substring(text).trimmingWhitespace().uppercased()
        if body.hasSuffix("IB") { body.removeLast(2) } else if body.hasSuffix("B") { body.removeLast() }
        var multiplier: Int64 = 1
        if let unit = body.last, let power = ["K": 1, "M": 2, "G": 3, "T": 4][String(unit)] {
            multiplier = Int64(1) << (10 * power)
            body.removeLast()
        }
        guard let number = Int64(body), number >= 0 else { return nil }
        let (product, overflow) = number.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }

    /// `true/false`, `yes/no`, `on/off`, `1/0`.
    package static func bool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on", "1": true
        case "false", "no", "off", "0": false
        default: nil
        }
    }

    /// Seconds, as a number (`2.5`) or with a unit (`500ms`, `30s`, `2m`).
    package static func seconds(_ text: String) -> Double? {
        let lowered = text.lowercased()
        let (number, scale): (Substring, Double) =
            if lowered.hasSuffix("ms") { (lowered.dropLast(2), 0.001) }
            else if lowered.hasSuffix("s") { (lowered.dropLast(), 1) }
            else if lowered.hasSuffix("m") { (lowered.dropLast(), 60) }
            else if lowered.hasSuffix("h") { (lowered.dropLast(), 3600) }
            else if lowered.hasSuffix("d") { (lowered.dropLast(), 86_400) }
            else { (Substring(lowered), 1) }
        guard let value = Double(number), value.isFinite, value >= 0 else { return nil }
        return value * scale
    }

    /// A comma-separated list; empty items are dropped.
    package static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { String(Substring($0).trimmingWhitespace()) }.filter { !$0.isEmpty }
    }
}
