import Foundation

/// `Upload-Metadata`: comma-separated `key base64(value)` pairs (tus 1.0.0 §Upload-Metadata). Keys
/// are non-empty, unique, without spaces or commas; a value may be empty, and then the space may
/// be left out. The header is kept as sent, to be echoed on HEAD.
package struct TusMetadata: Sendable, Equatable {
    /// The pairs in the order sent, values decoded.
    package private(set) var pairs: [(key: String, value: [UInt8])] = []
    /// The header as sent ("" when absent).
    package private(set) var raw = ""

    package init() {}

    package static func == (a: TusMetadata, b: TusMetadata) -> Bool {
        a.raw == b.raw && a.pairs.map(\.key) == b.pairs.map(\.key) && a.pairs.map(\.value) == b.pairs.map(\.value)
    }

    /// The decoded value of `key`, if sent.
    package subscript(key: String) -> [UInt8]? { self.pairs.first { $0.key == key }?.value }

    /// The value of `key` as UTF-8 text (nil when absent or not UTF-8).
    package func text(_ key: String) -> String? {
        self[key].flatMap { String(validating: $0, as: UTF8.self) }
    }

    /// - Throws: `invalid` for more than 4 KiB, an empty or duplicate key, a key with characters
    ///   outside printable ASCII, or a value that is not base64.
    package static func parse(_ header: String?) throws(TusError) -> TusMetadata {
        var metadata = TusMetadata()
        guard let header, !header.isEmpty else { return metadata }
        guard header.utf8.count <= TusHeaders.maxMetadataBytes else {
            throw TusError(.invalid, "Upload-Metadata is larger than \(TusHeaders.maxMetadataBytes) bytes")
        }
        metadata.raw = header
        for item in header.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = item.trimmingCharacters(in: [" "])
            let parts = pair.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0])
            guard !key.isEmpty, key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ",") }) else {
                throw TusError(.invalid, "Upload-Metadata has an empty or malformed key")
            }
            guard metadata[key] == nil else { throw TusError(.invalid, "Upload-Metadata repeats the key '\(key.prefix(64))'") }
            let encoded = parts.count > 1 ? String(parts[1]) : ""
            guard let value = Base64.decode(encoded) else {
                throw TusError(.invalid, "the Upload-Metadata value of '\(key.prefix(64))' is not base64")
            }
            metadata.pairs.append((key, value))
        }
        return metadata
    }
}
