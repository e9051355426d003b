import DepotCore

/// The store interface: every question a handler, the ingest service or `depot check` asks of
/// the database, in Depot's terms. Nothing outside `Persistence/` sees SQL or a database handle.
///
/// An implementation is safe to call from any worker thread at once. Reads see committed rows
/// only. `write` is the unit of work: everything its body does commits together or not at all.
/// `SQLiteStore` is the one implementation today; a second store implements this protocol and
/// is chosen in `PersistenceFactory` (see docs/architecture.md, "Adding a store").
package protocol Persistence: Sendable {
    /// Brings the schema to the newest version; safe when several processes start at once.
    /// - Returns: the versions this call applied.
    @discardableResult
    func migrate() throws -> [Int]

    /// Opens the calling thread's connection now, so descriptors are stable from the first request.
    func prepareThread() throws

    /// Starts background upkeep (SQLite: WAL checkpoints past `pages`). Called once, by the server.
    func startBackgroundWork(checkpointPages: Int) throws

    /// Throws unless the database answers a query.
    func checkHealth() throws

    /// `sqlite` or `postgresql` (healthz names it).
    var name: String { get }

    /// The directory whose free space bounds the next commit (nil: not on a local disk).
    var localDirectory: String? { get }

    // MARK: Files

    func file(id: String) throws -> ServedFile?
    func file(path: String) throws -> ServedFile?
    /// The whole row of a stored file (a finished resumable upload answers it).
    func fileRecord(id: String) throws -> FileRecord?
    /// The id of the row that names `path`, if any (recovery and `depot check` ask this).
    func fileID(path: String) throws -> String?
    /// Every file row's facts, one at a time (never collected).
    func eachFile(_ body: (StoredFileFacts) throws -> Void) throws

    // MARK: Materials

    func material(id: Int64) throws -> MaterialRecord?
    func materials(_ query: MaterialQuery) throws -> MaterialPage
    /// Materials whose file row is gone (must be none).
    func materialsWithoutFile() throws -> [(id: Int64, fileID: String)]
    /// (depot check) Malls and types whose list total (the counter) differs from their rows.
    func materialCountDrift() throws -> [MaterialCountDrift]

    // Thumbnails: one row per original file and variant; deleting the row (directly or by the
    // cascade from its file) queues its stored path in `thumbnail_garbage` in the same transaction.
    /// The thumbnail of a file in one variant, if it was made.
    func thumbnail(fileID: String, variant: String) throws -> StoredThumbnail?
    /// A file and, if it was made, its thumbnail in one variant (nil: no such file): what a
    /// thumbnail request reads, in one round where the store can.
    func fileAndThumbnail(id: String, variant: String) throws -> (file: ServedFile, thumbnail: StoredThumbnail?)?
    /// The id of the file whose thumbnail is at a stored path (crash recovery's question).
    func thumbnailFileID(path: String) throws -> String?
    /// Every thumbnail row (`depot check`).
    func eachThumbnail(_ body: (StoredThumbnail) throws -> Void) throws
    /// Stored paths of removed thumbnails whose files are still to be unlinked.
    func thumbnailGarbage(limit: Int) throws -> [String]

    // MARK: Resumable uploads

    func upload(id: String) throws -> ResumableUpload?
    /// Ids of uploads whose expiry is before `now` (Unix ms), oldest first, at most `limit`.
    func expiredUploads(now: Int64, limit: Int) throws -> [String]
    /// Every upload's id (start-up recovery and `depot check` compare them with the data files).
    func uploadIDs() throws -> Set<String>

    // MARK: Reports

    /// Runs `body` with a cursor over the report's rows. Every pass the cursor makes inside
    /// `body` reads the same snapshot (the xls writer makes two).
    func readReport<T>(_ query: ReportQuery, _ body: (any ReportRows) throws -> T) throws -> T

    // MARK: Unit of work

    /// Runs `body` holding an exclusive lock on each stored path, shared by every responder that
    /// uses this database (other processes, other machines). Overwrites and deletes hold it from
    /// their commit to their rename or unlink, so two nodes changing one path reach the database
    /// and the disk in the same order. (Within one process `FileStore` also locks, per thread.)
    func withPathLocks<T>(_ paths: [String], _ body: () throws -> T) throws -> T

    /// Runs `body` in one transaction, committed when it returns, rolled back when it throws.
    func write<T>(_ body: @escaping (any PersistenceTransaction) throws -> T) throws -> T
}

/// A stable 64-bit hash of a stored path (FNV-1a), for lock keys shared between processes.
package func pathLockKey(_ path: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in path.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return hash
}

/// What a write may do. Only valid inside `Persistence.write`.
package protocol PersistenceTransaction {
    func insert(_ file: FileRecord) throws
    /// Removes the row that names `path` (an overwrite replaces it).
    func deleteFile(path: String) throws
    /// Removes the row with this id and path, if it still names that path.
    func deleteFile(id: String, path: String) throws
    /// - Returns: the new material's id.
    func insert(_ material: MaterialRecord) throws -> Int64
    /// - Returns: false when no such material was there (a concurrent delete got there first).
    func deleteMaterial(id: Int64) throws -> Bool
    /// (depot check --repair) Makes every mall's counters again from its rows.
    func recountMaterials() throws
    /// Records a made thumbnail; false when its original file's row is gone.
    func insert(_ thumbnail: StoredThumbnail, createdAt: String) throws -> Bool
    /// Removes a thumbnail row (its path joins the garbage).
    func deleteThumbnail(path: String) throws
    /// Forgets garbage paths whose files were unlinked.
    func forgetThumbnailGarbage(_ paths: [String]) throws

    func insert(_ upload: ResumableUpload) throws
    /// Takes an upload's lease for `owner` until `until` (Unix ms) when nobody holds it or its
    /// holder's time ran out before `now`.
    /// - Returns: false when another writer holds it (or the upload is gone).
    func claim(upload id: String, owner: String, until: Int64, now: Int64) throws -> Bool
    /// Writes an upload's progress fields (offset, length, hash, expiry, lease, outcome), only
    /// while `heldBy` holds its lease (nil: while nobody does).
    /// - Returns: false when the lease was lost (the row is unchanged).
    func save(_ upload: ResumableUpload, heldBy: String?) throws -> Bool
    /// Lets go of the lease `owner` holds (nothing else changes).
    func release(upload id: String, owner: String) throws
    /// - Returns: false when no such upload was there.
    func deleteUpload(id: String) throws -> Bool
}

/// The rows of one report, oldest first, read one at a time.
package protocol ReportRows {
    func each(_ body: (ExportRow) throws -> Void) throws
}

extension Persistence {
    /// Two lookups: the file (from the node's cache where there is one), then its thumbnail.
    package func fileAndThumbnail(id: String, variant: String) throws -> (file: ServedFile, thumbnail: StoredThumbnail?)? {
        guard let file = try self.file(id: id) else { return nil }
        return (file, try self.thumbnail(fileID: id, variant: variant))
    }

    /// The id of the row that owns a stored path: a file's, or for a thumbnail's path the id of
    /// its original file (crash recovery keeps a name only when a row owns it).
    package func ownerID(ofStoredPath path: String) throws -> String? {
        path.hasPrefix("/.thumbnails/") ? try self.thumbnailFileID(path: path) : try self.fileID(path: path)
    }
}
