import DepotSystem

/// The database schema, as numbered migrations applied at start-up.
package enum SQLiteSchema {
    package static let migrator = Migrator([
        Migrator.Migration(
            version: 1,
            sql: """
                CREATE TABLE files (
                    id TEXT PRIMARY KEY,
                    namespace TEXT NOT NULL,
                    path TEXT NOT NULL UNIQUE,
                    field TEXT,
                    origin_filename TEXT NOT NULL DEFAULT '',
                    size INTEGER NOT NULL,
                    sha256 TEXT NOT NULL,
                    content_type TEXT NOT NULL,
                    format TEXT,
                    width INTEGER,
                    height INTEGER,
                    metadata TEXT NOT NULL DEFAULT '{}',
                    created_at TEXT NOT NULL
                );
                CREATE INDEX files_namespace_created ON files (namespace, created_at);
                CREATE TABLE materials (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    mall_id INTEGER NOT NULL,
                    material_type INTEGER NOT NULL,
                    file_id TEXT NOT NULL REFERENCES files (id) ON DELETE CASCADE,
                    base_path TEXT NOT NULL,
                    width INTEGER NOT NULL,
                    height INTEGER NOT NULL,
                    size INTEGER NOT NULL,
                    origin_filename TEXT NOT NULL,
                    format TEXT NOT NULL,
                    created_at TEXT NOT NULL
                );
                CREATE INDEX materials_mall ON materials (mall_id, id);
                CREATE INDEX materials_created ON materials (created_at);
                """),
        // No query reads files by namespace and date, so that index only cost a page per upload.
        // Deleting or overwriting a file looks for materials that reference it (ON DELETE CASCADE):
        // without an index on file_id that was a scan of the whole materials table per delete.
        Migrator.Migration(
            version: 2,
            sql: """
                DROP INDEX files_namespace_created;
                CREATE INDEX materials_file ON materials (file_id);
                """),
        // Resumable (tus) uploads: one state row per upload; times in Unix milliseconds.
        Migrator.Migration(
            version: 3,
            sql: """
                CREATE TABLE uploads (
                    id TEXT PRIMARY KEY,
                    namespace TEXT NOT NULL,
                    upload_length INTEGER,
                    upload_offset INTEGER NOT NULL DEFAULT 0,
                    deferred INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    parts TEXT NOT NULL DEFAULT '',
                    metadata TEXT NOT NULL DEFAULT '',
                    keep_original INTEGER NOT NULL,
                    overwrite INTEGER NOT NULL,
                    hash_state TEXT NOT NULL DEFAULT '',
                    hash_tag TEXT NOT NULL DEFAULT '',
                    expires_at INTEGER NOT NULL,
                    lease_owner TEXT,
                    lease_until INTEGER NOT NULL DEFAULT 0,
                    outcome TEXT,
                    created_at TEXT NOT NULL
                );
                CREATE INDEX uploads_expires ON uploads (expires_at);
                """),
        // Lists and exports that stay fast at a million rows:
        // - a per-mall, per-type counter kept by triggers in the writing transaction (cascades
        //   from deleted files included), so a list's total is a lookup, not a count;
        // - a type-filtered page reads only its type's index entries;
        // - an export of one mall reads only that mall's rows in its time range.
        // Materials are never updated in place, so INSERT and DELETE are all the counter follows.
        Migrator.Migration(
            version: 4,
            sql: """
                CREATE INDEX materials_mall_type ON materials (mall_id, material_type, id);
                CREATE INDEX materials_mall_created ON materials (mall_id, created_at);
                CREATE TABLE material_counts (
                    mall_id INTEGER NOT NULL,
                    material_type INTEGER NOT NULL,
                    n INTEGER NOT NULL,
                    PRIMARY KEY (mall_id, material_type)
                ) WITHOUT ROWID;
                INSERT INTO material_counts SELECT mall_id, material_type, COUNT(*) FROM materials GROUP BY mall_id, material_type;
                CREATE TRIGGER materials_counted AFTER INSERT ON materials BEGIN
                    INSERT OR IGNORE INTO material_counts VALUES (NEW.mall_id, NEW.material_type, 0);
                    UPDATE material_counts SET n = n + 1 WHERE mall_id = NEW.mall_id AND material_type = NEW.material_type;
                END;
                CREATE TRIGGER materials_uncounted AFTER DELETE ON materials BEGIN
                    UPDATE material_counts SET n = n - 1 WHERE mall_id = OLD.mall_id AND material_type = OLD.material_type;
                END;
                """),
        // Thumbnails: a row per original file and variant, removed with its file by the cascade.
        // A removed row queues its stored path in thumbnail_garbage in the same transaction;
        // every node unlinks what is queued (the files are on the shared storage root).
        Migrator.Migration(
            version: 5,
            sql: """
                CREATE TABLE thumbnails (
                    file_id TEXT NOT NULL REFERENCES files (id) ON DELETE CASCADE,
                    variant TEXT NOT NULL,
                    path TEXT NOT NULL UNIQUE,
                    content_type TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    created_at TEXT NOT NULL,
                    PRIMARY KEY (file_id, variant)
                ) WITHOUT ROWID;
                CREATE TABLE thumbnail_garbage (path TEXT PRIMARY KEY) WITHOUT ROWID;
                CREATE TRIGGER thumbnails_removed AFTER DELETE ON thumbnails BEGIN
                    INSERT OR IGNORE INTO thumbnail_garbage VALUES (OLD.path);
                END;
                """),
    ])
}
