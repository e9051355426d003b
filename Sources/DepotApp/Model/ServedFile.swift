import DepotCore
import DepotSystem
import Foundation

/// What a download reads of a file's row: fewer columns than `FileRecord`, so fewer strings
/// are made per download.
struct ServedFile: Sendable {
    var namespace: String
    var path: String
    var contentType: String
    var originFilename: String
    var sha256: String

    private static let columns = "namespace, path, content_type, origin_filename, sha256"
    private static let selectByPath = "SELECT \(columns) FROM files WHERE path = ?1"
    private static let selectByID = "SELECT \(columns) FROM files WHERE id = ?1"

    private static func read(_ statement: SQLiteStatement) -> ServedFile {
        ServedFile(
            namespace: statement.text(0) ?? "", path: statement.text(1) ?? "", contentType: statement.text(2) ?? "",
            originFilename: statement.text(3) ?? "", sha256: statement.text(4) ?? "")
    }

    static func find(path: String, in database: SQLiteDatabase) throws -> ServedFile? { try find(selectByPath, path, database) }

    static func find(id: String, in database: SQLiteDatabase) throws -> ServedFile? { try find(selectByID, id, database) }

    private static func find(_ select: String, _ key: String, _ database: SQLiteDatabase) throws -> ServedFile? {
        try database.withStatement(select) { try $0.bind([.text(key)]).step() ? read($0) : nil }
    }
}
