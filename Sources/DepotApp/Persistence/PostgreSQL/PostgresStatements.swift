/// Every statement `PostgresStore` runs. Values are always parameters (`$N`), prepared once per
/// connection. Times are written as ISO 8601 text and read back in the contract's form.
package enum PostgresStatements {
    /// `created_at` as the contract writes times: `2026-11-21T10:00:00Z`.
    static let createdAt = #"to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"#
    static let servedColumns = "namespace, path, content_type, origin_filename, sha256"
    static let materialColumns = "id, mall_id, material_type, file_id, base_path, width, height, size, origin_filename, format, \(createdAt)"

    package static let health = "SELECT 1"
    /// The id first: the per-node cache keys rows by id.
    package static let servedFileByID = "SELECT id, \(servedColumns) FROM files WHERE id = $1"
    package static let servedFileByPath = "SELECT id, \(servedColumns) FROM files WHERE path = $1"
    package static let fileIDByPath = "SELECT id FROM files WHERE path = $1"
    package static let allFiles = "SELECT id, path, size, sha256 FROM files"
    package static let insertFile =
        "INSERT INTO files (id, namespace, path, field, origin_filename, size, sha256, content_type, format, width, height, metadata, created_at)"
        + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13::timestamptz)"
    package static let deleteFileByPath = "DELETE FROM files WHERE path = $1 RETURNING id"
    package static let deleteFileByIDAndPath = "DELETE FROM files WHERE id = $1 AND path = $2 RETURNING id"
    /// The channel a delete or update of a file row notifies (payload: the id), through the
    /// `files_changed` trigger.
    package static let fileChannel = "depot_files"

    package static let materialByID = "SELECT \(materialColumns) FROM materials WHERE id = $1"
    package static func materialPage(typed: Bool) -> (count: String, page: String) {
        let filter = typed ? " AND material_type = $2" : ""
        let limit = typed ? 3 : 2
        return (
            "SELECT COUNT(*) FROM materials WHERE mall_id = $1\(filter)",
            "SELECT \(materialColumns) FROM materials WHERE mall_id = $1\(filter) ORDER BY id DESC LIMIT $\(limit) OFFSET $\(limit + 1)"
        )
    }
    package static let materialsWithoutFile = "SELECT m.id, m.file_id FROM materials m LEFT JOIN files f ON f.id = m.file_id WHERE f.id IS NULL"
    package static let insertMaterial =
        "INSERT INTO materials (mall_id, material_type, file_id, base_path, width, height, size, origin_filename, format, created_at)"
        + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::timestamptz) RETURNING id"
    package static let deleteMaterial = "DELETE FROM materials WHERE id = $1"

    /// The report's rows, oldest first, optionally of one mall.
    package static func reportRows(mallFilter: Bool) -> String {
        "SELECT id, mall_id, material_type, origin_filename, format, size, width, height, base_path, \(createdAt) FROM materials"
            + " WHERE created_at >= $1::timestamptz AND created_at < $2::timestamptz" + (mallFilter ? " AND mall_id = $3" : "")
            + " ORDER BY created_at, id"
    }
}
