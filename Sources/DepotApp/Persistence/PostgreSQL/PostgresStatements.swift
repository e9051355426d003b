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
    package static let fileRecordByID =
        "SELECT id, namespace, path, field, origin_filename, size, sha256, content_type, format, width, height, metadata::text, \(createdAt) FROM files WHERE id = $1"
    package static let fileIDByPath = "SELECT id FROM files WHERE path = $1"
    package static let allFiles = "SELECT id, path, size, sha256 FROM files"
    package static let insertFile =
        "INSERT INTO files (id, namespace, path, field, origin_filename, size, sha256, content_type, format, width, height, metadata, created_at)"
        + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13::timestamptz)"
    package static let deleteFileByPath = "DELETE FROM files WHERE path = $1 RETURNING id"
    package static let deleteFileByIDAndPath = "DELETE FROM files WHERE id = $1 AND path = $2 RETURNING id"
    static let thumbnailColumns = "file_id, variant, path, content_type, size"
    package static let thumbnailByVariant = "SELECT \(thumbnailColumns) FROM thumbnails WHERE file_id = $1 AND variant = $2"
    package static let thumbnailFileByPath = "SELECT file_id FROM thumbnails WHERE path = $1"
    package static let allThumbnails = "SELECT \(thumbnailColumns) FROM thumbnails"
    /// Only while the original's row exists; a delete racing it makes the foreign key fail instead.
    package static let insertThumbnail =
        "INSERT INTO thumbnails (\(thumbnailColumns), created_at) SELECT $1, $2, $3, $4, $5::bigint, $6::timestamptz FROM files WHERE id = $1"
    package static let deleteThumbnail = "DELETE FROM thumbnails WHERE path = $1"
    package static let thumbnailGarbage = "SELECT path FROM thumbnail_garbage LIMIT $1::bigint"
    package static let forgetThumbnailGarbage = "DELETE FROM thumbnail_garbage WHERE path = $1"
    /// The channel a delete or update of a file row notifies (payload: the id), through the
    /// `files_changed` trigger.
    package static let fileChannel = "depot_files"

    /// Unix milliseconds to and from `timestamptz`.
    static func time(_ parameter: Int) -> String { "to_timestamp($\(parameter)::bigint / 1000.0)" }
    static func millis(_ column: String) -> String { "(extract(epoch FROM \(column)) * 1000)::bigint" }
    static let uploadColumns =
        "id, namespace, upload_length, upload_offset, deferred, kind, array_to_string(parts, ' '), metadata, keep_original, overwrite,"
        + " encode(hash_state, 'hex'), hash_tag, \(millis("expires_at")), lease_owner, \(millis("lease_until")), outcome::text, \(createdAt)"
    package static let uploadByID = "SELECT \(uploadColumns) FROM uploads WHERE id = $1"
    package static let insertUpload =
        "INSERT INTO uploads (id, namespace, upload_length, upload_offset, deferred, kind, parts, metadata, keep_original, overwrite,"
        + " hash_state, hash_tag, expires_at, lease_owner, lease_until, outcome, created_at) VALUES ($1, $2, $3, $4, $5, $6,"
        + " string_to_array($7, ' '), $8, $9, $10, decode($11, 'hex'), $12, \(time(13)), $14, \(time(15)), $16::jsonb, $17::timestamptz)"
    /// Takes the lease when nobody holds it or the holder's time ran out.
    package static let claimUpload =
        "UPDATE uploads SET lease_owner = $2, lease_until = \(time(3)) WHERE id = $1 AND (lease_owner IS NULL OR lease_until < \(time(4)))"
    /// Saves progress, only while `$9` holds the lease (or nobody does, for `$9` NULL).
    package static let saveUpload =
        "UPDATE uploads SET upload_offset = $2, upload_length = $3, hash_state = decode($4, 'hex'), hash_tag = $5, expires_at = \(time(6)),"
        + " lease_owner = $7, lease_until = \(time(8)), outcome = $10::jsonb WHERE id = $1 AND lease_owner IS NOT DISTINCT FROM $9"
    package static let releaseUpload = "UPDATE uploads SET lease_owner = NULL, lease_until = 'epoch' WHERE id = $1 AND lease_owner = $2"
    package static let deleteUpload = "DELETE FROM uploads WHERE id = $1"
    package static let expiredUploads = "SELECT id FROM uploads WHERE expires_at < \(time(1)) ORDER BY expires_at LIMIT $2"
    package static let allUploads = "SELECT id FROM uploads"

    package static let materialByID = "SELECT \(materialColumns) FROM materials WHERE id = $1"
    /// A page of one mall's materials: (total, page), as `SQLiteStatements.materialPage` explains.
    /// The total is the mall's counter plus its rows in the count log not yet folded in.
    package static func materialPage(typed: Bool) -> (count: String, page: String) {
        let filter = typed ? " AND material_type = $2" : ""
        let after = typed ? 3 : 2
        return (
            "SELECT (SELECT COALESCE(SUM(n), 0) FROM material_counts WHERE mall_id = $1\(filter))"
                + " + (SELECT COALESCE(SUM(n), 0) FROM material_count_log WHERE mall_id = $1\(filter))",
            "SELECT \(materialColumns) FROM materials WHERE id IN (SELECT id FROM materials WHERE mall_id = $1\(filter) AND id < $\(after)"
                + " ORDER BY id DESC LIMIT $\(after + 1) OFFSET $\(after + 2)) ORDER BY id DESC"
        )
    }
    /// Moves the count log into the counters, in one transaction: each log row is moved once,
    /// whichever nodes fold at the same time (a row another fold deleted first is skipped).
    package static let foldMaterialCounts = """
        WITH moved AS (DELETE FROM material_count_log RETURNING mall_id, material_type, n)
        INSERT INTO material_counts (mall_id, material_type, n)
        SELECT mall_id, material_type, SUM(n) FROM moved GROUP BY mall_id, material_type
        ON CONFLICT (mall_id, material_type) DO UPDATE SET n = material_counts.n + EXCLUDED.n
        """
    /// (depot check) As `SQLiteStatements.materialCountDrift`, the log counted with the counters.
    package static let materialCountDrift = """
        SELECT mall_id, material_type, SUM(counted)::bigint, SUM(counted_rows)::bigint FROM (
            SELECT mall_id, material_type, n AS counted, 0 AS counted_rows FROM material_counts
            UNION ALL SELECT mall_id, material_type, n, 0 FROM material_count_log
            UNION ALL SELECT mall_id, material_type, 0, 1 FROM materials
        ) AS both_sides GROUP BY mall_id, material_type HAVING SUM(counted) != SUM(counted_rows)
        """
    /// (depot check --repair) Writers wait while the counters are made again from the rows.
    package static let recountMaterials = [
        "LOCK TABLE materials IN SHARE MODE",
        "DELETE FROM material_count_log",
        "DELETE FROM material_counts",
        "INSERT INTO material_counts SELECT mall_id, material_type, COUNT(*) FROM materials GROUP BY mall_id, material_type",
    ]
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
