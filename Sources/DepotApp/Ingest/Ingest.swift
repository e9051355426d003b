import DepotCore
import DepotSystem
import Foundation

/// Turning received bytes into stored files, the same way for every way in (multipart uploads,
/// materials, raw PUT, fetches): the pixel limit, the stored name, the row, and placement with
/// the rows committed as one unit.
package struct Ingest: Sendable {
    package let storage: FileStore
    package let persistence: any Persistence
    package let maxImagePixels: Int64
    package let durable: Bool

    package init(storage: FileStore, persistence: any Persistence, maxImagePixels: Int64, durable: Bool) {
        self.storage = storage
        self.persistence = persistence
        self.maxImagePixels = maxImagePixels
        self.durable = durable
    }

    /// False for an image with more pixels than `images.max_pixels`.
    package func fitsPixelLimit(_ sniff: SniffResult) -> Bool {
        sniff.fitsPixelLimit(self.maxImagePixels)
    }

    /// - Throws: 413 for an image over the pixel limit (`name` is named in the message when given).
    package func checkPixels(_ sniff: SniffResult, name: String? = nil) throws {
        guard self.fitsPixelLimit(sniff) else {
            throw APIError(.payloadTooLarge, "the image\(name.map { " '\($0.prefix(100))'" } ?? "") has more pixels than allowed")
        }
    }

    /// The stored file name: a uuid with the sniffed extension, or the sanitised original name.
    /// - Throws: 400 when the original name is kept but cannot be used.
    package func storedName(original: String, sniff: SniffResult, keepOriginal: Bool, id: String) throws -> String {
        if keepOriginal {
            guard let clean = StorageNaming.sanitizeFilename(original) else {
                throw APIError(.paramsInvalid, "the file name '\(original.prefix(100))' cannot be used as a stored name")
            }
            return clean
        }
        let ext = StorageNaming.storedExtension(sniffed: sniff, originalName: StorageNaming.sanitizeFilename(original))
        return ext.map { "\(id).\($0)" } ?? id
    }

    /// Places the files and inserts their rows as one unit: either every file is in place with its
    /// row, or none is. With `overwrite`, a row already at a path is replaced; `extraRows` runs in
    /// the same transaction.
    /// - Throws: `StoreError.exists` (409) when a path is taken and `overwrite` is off.
    package func commit(
        _ records: [FileRecord], placements: [FileStore.Placement], overwrite: Bool,
        extraRows: @escaping (any PersistenceTransaction) throws -> Void = { _ in }
    ) throws {
        let persistence = self.persistence
        let place = {
            try self.storage.place(placements) {
                try persistence.write { transaction in
                    for record in records {
                        if overwrite { try transaction.deleteFile(path: record.path) }
                        try transaction.insert(record)
                    }
                    try extraRows(transaction)
                }
            }
        }
        // A new name needs no lock: link() lets one placement of a name win on every node. An
        // overwrite replaces bytes that other nodes may be replacing too.
        if overwrite {
            try persistence.withPathLocks(placements.map(\.storedPath), place)
            self.sweepThumbnails()
        } else {
            try place()
        }
    }

    /// Removes a stored file and, in the same journalled step, the rows `rows` deletes: rows first,
    /// then bytes under the path's lock, so a reader never finds a row whose file is gone and a
    /// crash after the commit cannot leave the file behind without its row.
    package func remove(id: String, storedPath: String, rows: @escaping (any PersistenceTransaction) throws -> Void) throws {
        let persistence = self.persistence
        try persistence.withPathLocks([storedPath]) {
            try self.storage.remove(id: id, storedPath: storedPath) {
                try persistence.write { try rows($0) }
            }
        }
        self.sweepThumbnails()
    }

    /// Unlinks the thumbnails that an overwrite or delete just removed (their rows went with the
    /// file's, in its transaction). A failure here is left to the periodic sweep.
    private func sweepThumbnails() {
        do {
            try Thumbnails.sweepGarbage(storage: self.storage, persistence: self.persistence)
        } catch {
            Log.warn("thumbnails: garbage sweep: \(error)")
        }
    }
}
