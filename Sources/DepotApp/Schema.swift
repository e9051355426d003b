import DepotSystem

/// The database schema, as numbered migrations applied at start-up.
package enum Schema {
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
    ])
}
