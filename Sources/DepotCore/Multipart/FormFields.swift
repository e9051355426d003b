/// Text fields of a multipart request, collected into the JSON the contract returns.
///
/// Repeated names become an array; a part declared `application/json`, or whose value parses as a
/// JSON object or array, stays JSON; everything else is a string.
package struct FormFields: Sendable {
    private var order: [String] = []
    private var values: [String: [JSONValue]] = [:]

    package init() {}

    package mutating func add(name: String, bytes: [UInt8], contentType: String?) {
        let declaredJSON = contentType?.lowercased().hasPrefix("application/json") ?? false
        var value = JSONValue.string(String(decoding: bytes, as: UTF8.self))
        let first = bytes.first { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
        if declaredJSON || first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            if let parsed = try? JSONValue.parse(bytes), declaredJSON || FormFields.isContainer(parsed) { value = parsed }
        }
        if self.values[name] == nil { self.order.append(name) }
        self.values[name, default: []].append(value)
    }

    package var json: JSONValue {
        .object(self.order.map { name in
            let items = self.values[name]!
            return (name, items.count == 1 ? items[0] : .array(items))
        })
    }

    private static func isContainer(_ value: JSONValue) -> Bool {
        switch value {
        case .object, .array: true
        default: false
        }
    }
}
