/// The PostgreSQL schema, typed in PostgreSQL's terms (`timestamptz`, `bigint`, `jsonb`, identity
/// columns), as numbered migrations. `PostgresStore.migrate` applies them in one transaction under
/// an advisory lock, so responders starting at once migrate exactly once.
package enum PostgresSchema {
    /// The advisory lock key that serialises migrations ("depot" in ASCII).
    static let migrationLock: Int64 = 0x6465_706F_74

    package static let migrations: [(version: Int, sql: String)] = [
        (
            1,
            """
            CREATE TABLE files (
                id text PRIMARY KEY,
                namespace text NOT NULL,
                path text NOT NULL UNIQUE,
                field text,
                origin_filename text NOT NULL DEFAULT '',
                size bigint NOT NULL CHECK (size >= 0),
                sha256 text NOT NULL,
                content_type text NOT NULL,
                format text,
                width integer,
                height integer,
                metadata jsonb NOT NULL DEFAULT '{}',
                created_at timestamptz NOT NULL
            );
            CREATE TABLE materials (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                mall_id bigint NOT NULL,
                material_type smallint NOT NULL,
                file_id text NOT NULL REFERENCES files (id) ON DELETE CASCADE,
                base_path text NOT NULL,
                width integer NOT NULL,
                height integer NOT NULL,
                size bigint NOT NULL,
                origin_filename text NOT NULL,
                format text NOT NULL,
                created_at timestamptz NOT NULL
            );
            CREATE INDEX materials_mall ON materials (mall_id, id);
            CREATE INDEX materials_created ON materials (created_at, id);
            CREATE INDEX materials_file ON materials (file_id);
            """
        ),
        (
            2,
            // Every node's file cache forgets a row when it is deleted or changed, whoever changed it.
            """
            CREATE FUNCTION depot_file_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('\(PostgresStatements.fileChannel)', OLD.id);
                RETURN NULL;
            END
            $$;
            CREATE TRIGGER files_changed AFTER UPDATE OR DELETE ON files FOR EACH ROW EXECUTE FUNCTION depot_file_changed();
            """
        ),
        (
            3,
            // Resumable (tus) uploads: one state row per upload.
            """
            CREATE TABLE uploads (
                id text PRIMARY KEY,
                namespace text NOT NULL,
                upload_length bigint CHECK (upload_length >= 0),
                upload_offset bigint NOT NULL DEFAULT 0 CHECK (upload_offset >= 0),
                deferred boolean NOT NULL,
                kind text NOT NULL CHECK (kind IN ('plain', 'partial', 'final')),
                parts text[] NOT NULL DEFAULT '{}',
                metadata text NOT NULL DEFAULT '',
                keep_original boolean NOT NULL,
                overwrite boolean NOT NULL,
                hash_state bytea NOT NULL DEFAULT '',
                hash_tag text NOT NULL DEFAULT '',
                expires_at timestamptz NOT NULL,
                lease_owner text,
                lease_until timestamptz NOT NULL DEFAULT 'epoch',
                outcome jsonb,
                created_at timestamptz NOT NULL
            );
            CREATE INDEX uploads_expires ON uploads (expires_at);
            """
        ),
        (
            4,
            // Lists and exports that stay fast at a million rows (see SQLite migration 4). The
            // triggers only append to a log of +1/-1 rows (no row is updated, so concurrent uploads
            // into one mall never wait on a counter row, and a transaction inserting many rows
            // never walks a chain of its own versions of one); every node folds the log into
            // `material_counts` about once a second. A total is its counter plus its log rows.
            """
            CREATE INDEX materials_mall_type ON materials (mall_id, material_type, id);
            CREATE INDEX materials_mall_created ON materials (mall_id, created_at, id);
            CREATE TABLE material_counts (
                mall_id bigint NOT NULL,
                material_type smallint NOT NULL,
                n bigint NOT NULL,
                PRIMARY KEY (mall_id, material_type)
            );
            CREATE TABLE material_count_log (
                mall_id bigint NOT NULL,
                material_type smallint NOT NULL,
                n smallint NOT NULL
            );
            CREATE INDEX material_count_log_mall ON material_count_log (mall_id, material_type);
            INSERT INTO material_counts SELECT mall_id, material_type, COUNT(*) FROM materials GROUP BY mall_id, material_type;
            CREATE FUNCTION depot_material_counted() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    INSERT INTO material_count_log VALUES (NEW.mall_id, NEW.material_type, 1);
                ELSE
                    INSERT INTO material_count_log VALUES (OLD.mall_id, OLD.material_type, -1);
                END IF;
                RETURN NULL;
            END
            $$;
            CREATE TRIGGER materials_counted AFTER INSERT OR DELETE ON materials FOR EACH ROW EXECUTE FUNCTION depot_material_counted();
            """
        ),
        (
            5,
            // Thumbnails (see SQLite migration 5): removed with their file by the cascade; a removed
            // row queues its stored path for every node to unlink.
            """
            CREATE TABLE thumbnails (
                file_id text NOT NULL REFERENCES files (id) ON DELETE CASCADE,
                variant text NOT NULL,
                path text NOT NULL UNIQUE,
                content_type text NOT NULL,
                size bigint NOT NULL,
                created_at timestamptz NOT NULL,
                PRIMARY KEY (file_id, variant)
            );
            CREATE TABLE thumbnail_garbage (path text PRIMARY KEY);
            CREATE FUNCTION depot_thumbnail_removed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO thumbnail_garbage VALUES (OLD.path) ON CONFLICT DO NOTHING;
                RETURN NULL;
            END
            $$;
            CREATE TRIGGER thumbnails_removed AFTER DELETE ON thumbnails FOR EACH ROW EXECUTE FUNCTION depot_thumbnail_removed();
            """
        ),
    ]
}
