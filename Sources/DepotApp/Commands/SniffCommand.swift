import DepotCore
import DepotSystem
import Foundation

/// `depot --sniff FILE...`: one JSON line per file with what the content sniffer found.
package enum SniffCommand {
    /// - Returns: the exit status (1 when a file could not be read).
    package static func run(_ paths: [String]) -> Int32 {
        var status: Int32 = 0
        for path in paths {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                Log.error("cannot read \(path)")
                status = 1
                continue
            }
            let prefix = Array(handle.readData(ofLength: ContentSniffer.prefixSize))
            try? handle.close()
            let result = ContentSniffer.sniff(prefix)
            let kind: String =
                switch result.kind {
                case .image: "image"
                case .media: "media"
                case .other: "other"
                }
            let line: JSONValue = [
                "path": .string(path), "kind": .string(kind), "format": result.format.map(JSONValue.string) ?? .null,
                "content_type": .string(result.contentType), "extension": result.fileExtension.map(JSONValue.string) ?? .null,
                "width": result.width.map { .int(Int64($0)) } ?? .null, "height": result.height.map { .int(Int64($0)) } ?? .null,
            ]
            print(line.serialized)
        }
        return status
    }
}
