/// Every statement `SQLiteStore` runs, in one place, so `SchemaTests` can check the query plan of
/// each one exactly as the store sends it. Values are always bound (`?N`), never spliced in.
package enum SQLiteStatements {
    /// The columns of `FileRecord`, in its order.
    static let fileColumns = "id, namespace, path, field, origin_filename, size, sha256, content_type, format, width, height, metadata, created_at"
    /// What a download reads: fewer columns, so fewer strings per download.
    static let servedColumns = "namespace, path, content_type, origin_filename, sha256"
    static let materialColumns = "id, mall_id, material_type, file_id, base_path, width, height, size, origin_filename, format, created_at"

    package static let health = "SELECT COUNT(*) FROM schema_version"

    package static let servedFileByID = "SELECT \(servedColumns) FROM files WHERE id = ?1"
    package static let servedFileByPath = "SELECT \(servedColumns) FROM files WHERE path = ?1"
    package static let fileRecordByID = "SELECT \(fileColumns) FROM files WHERE id = ?1"
    package static let fileIDByPath = "SELECT id FROM files WHERE path = ?1"
    package static let allFiles = "SELECT id, path, size, sha256 FROM files"
    package static let insertFile = "INSERT INTO files (\(fileColumns)) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
    package static let deleteFileByPath = "DELETE FROM files WHERE path = ?1"
    package static let deleteFileByIDAndPath = "DELETE FROM files WHERE id = ?1 AND path = ?2"

    static let thumbnailColumns = "file_id, variant, path, content_type, size"
    package static let thumbnailByVariant = "SELECT \(thumbnailColumns) FROM thumbnails WHERE file_id = ?1 AND variant = ?2"
    /// A thumbnail request's one read: the file, and its thumbnail in the variant if made.
    package static let fileAndThumbnail =
        "SELECT f.namespace, f.path, f.content_type, f.origin_filename, f.sha256, t.path, t.content_type, t.size"
        + " FROM files f LEFT JOIN thumbnails t ON t.file_id = f.id AND t.variant = ?2 WHERE f.id = ?1"
    package static let thumbnailFileByPath = "SELECT file_id FROM thumbnails WHERE path = ?1"
    package static let allThumbnails = "SELECT \(thumbnailColumns) FROM thumbnails"
    /// Only while the original's row exists (a delete that won the race leaves nothing to insert).
    package static let insertThumbnail =
        "INSERT INTO thumbnails (\(thumbnailColumns), created_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM files WHERE id = ?1)"
    package static let deleteThumbnail = "DELETE FROM thumbnails WHERE path = ?1"
    package static let thumbnailGarbage = "SELECT path FROM thumbnail_garbage LIMIT ?1"
    package static let forgetThumbnailGarbage = "DELETE FROM thumbnail_garbage WHERE path = ?1"

    /// The columns of `ResumableUpload`, as `SQLiteStore.upload` reads them.
    static let uploadColumns =
        "id, namespace, upload_length, upload_offset, deferred, kind, parts, metadata, keep_original, overwrite, hash_state, hash_tag,"
        + " expires_at, lease_owner, lease_until, outcome, created_at"
    package static let uploadByID = "SELECT \(uploadColumns) FROM uploads WHERE id = ?1"
    package static let insertUpload =
        "INSERT INTO uploads (\(uploadColumns)) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
    /// Takes the lease when nobody holds it or the holder's time ran out.
    package static let claimUpload = "UPDATE uploads SET lease_owner = ?2, lease_until = ?3 WHERE id = ?1 AND (lease_owner IS NULL OR lease_until < ?4)"
    /// Saves progress, only while `?9` holds the lease (or nobody does, for `?9` NULL).
    package static let saveUpload =
        "UPDATE uploads SET upload_offset = ?2, upload_length = ?3, hash_state = ?4, hash_tag = ?5, expires_at = ?6, lease_owner = ?7,"
        + " lease_until = ?8, outcome = ?10 WHERE id = ?1 AND lease_owner IS ?9"
    package static let releaseUpload = "UPDATE uploads SET lease_owner = NULL, lease_until = 0 WHERE id = ?1 AND lease_owner = ?2"
    package static let deleteUpload = "DELETE FROM uploads WHERE id = ?1"
    package static let expiredUploads = "SELECT id FROM uploads WHERE expires_at < ?1 ORDER BY expires_at LIMIT ?2"
    package static let allUploads = "SELECT id FROM uploads"

    package static let materialByID = "SELECT \(materialColumns) FROM materials WHERE id = ?1"
    /// A page of one mall's materials: (total, page), with and without the type filter.
    /// - The total is the per-mall counter that migration 4's triggers keep in each write's
    ///   transaction, not a count of rows.
    /// - The page takes ids below `?after` (a cursor's last id, or the largest id for the first
    ///   page), skips `?offset` of them, and reads `?limit` rows. The ids come from the covering
    ///   index alone, so a deep offset walks index entries, never table rows.
    package static func materialPage(typed: Bool) -> (count: String, page: String) {
        let filter = typed ? " AND material_type = ?2" : ""
        let after = typed ? 3 : 2
        return (
            "SELECT COALESCE(SUM(n), 0) FROM material_counts WHERE mall_id = ?1\(filter)",
            "SELECT \(materialColumns) FROM materials WHERE id IN (SELECT id FROM materials WHERE mall_id = ?1\(filter) AND id < ?\(after)"
                + " ORDER BY id DESC LIMIT ?\(after + 1) OFFSET ?\(after + 2)) ORDER BY id DESC"
        )
    }
    /// (depot check) Malls and types whose counter differs from a count of their rows. A full scan, by design.
    package static let materialCountDrift = """
        SELECT mall_id, material_type, SUM(counted), SUM(counted_rows) FROM (
                SELECT mall_id, material_type, n AS counted, 0 AS counted_rows FROM material_counts
                UNION ALL SELECT mall_id, material_type, 0, 1 FROM materials
            ) AS both_sides GROUP BY mall_id, material_type HAVING SUM(counted) != SUM(counted_rows)
        """
    /// (depot check --repair) The counters made again from the rows.
    package static let recountMaterials = [
        "DELETE FROM material_counts",
        "INSERT INTO material_counts SELECT mall_id, material_type, COUNT(*) FROM materials GROUP BY mall_id, material_type",
    ]
    package static let materialsWithoutFile = "SELECT m.id, m.file_id FROM materials m LEFT JOIN files f ON f.id = m.file_id WHERE f.id IS NULL"
    package static let insertMaterial =
        "INSERT INTO materials (mall_id, material_type, file_id, base_path, width, height, size, origin_filename, format, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
    package static let deleteMaterial = "DELETE FROM materials WHERE id = ?1"
    /// What `ON DELETE CASCADE` runs for every deleted or overwritten file row.
    package static let cascadeLookup = "SELECT 1 FROM materials WHERE file_id = ?1"

    /// The report's rows, oldest first, optionally of one mall.
    package static func reportRows(mallFilter: Bool) -> String {
        "SELECT id, mall_id, material_type, origin_filename, format, size, width, height, base_path, created_at FROM materials"
            + " WHERE created_at >= ?1 AND created_at < ?2" + (mallFilter ? " AND mall_id = ?3" : "") + " ORDER BY created_at, id"
    }

    /// Every query above that reads rows (the writes' lookups included), for plan checks.
    package static var reads: [String] {
        [servedFileByID, servedFileByPath, fileIDByPath, materialByID, cascadeLookup, deleteFileByPath, deleteFileByIDAndPath, deleteMaterial]
            + [thumbnailByVariant, fileAndThumbnail, thumbnailFileByPath, insertThumbnail, deleteThumbnail, forgetThumbnailGarbage]
            + [fileRecordByID, uploadByID, claimUpload, saveUpload, releaseUpload, deleteUpload, expiredUploads]
            + [false, true].flatMap { [materialPage(typed: $0).count, materialPage(typed: $0).page, reportRows(mallFilter: $0)] }
    }
}
