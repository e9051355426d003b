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
    ]
}
