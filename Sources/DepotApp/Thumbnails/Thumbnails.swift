import DepotCore
import DepotSystem
import Foundation

/// Thumbnails made once and kept: the first request for a file's variant makes it with libvips
/// into a temp file, places it under `{root}/.thumbnails/` and records its row, as one journalled
/// unit (`FileStore.place`); every later request, on any node, finds the row.
///
/// Removal follows the original: deleting or overwriting a file deletes its thumbnail rows by
/// the database's cascade, and each deleted row queues its path in `thumbnail_garbage` in the
/// same transaction. `sweepGarbage` unlinks queued files; any node may run it (the storage root
/// is shared), right after its own deletes and every few seconds for the others'.
package struct Thumbnails: Sendable {
    package let storage: FileStore
    package let persistence: any Persistence
    package let sizes: [Int]
    package let quality: Int
    package let maxPixels: Int64
    package let maxWholePixels: Int64
    package let durable: Bool
    /// libvips's threads and cache (started on the first thumbnail made, not at every start-up:
    /// a CGI process that never makes one never pays for it).
    package let vips: Vips.Settings
    /// At most `images.thumbnail_makers` thumbnails are made at once in this process.
    private let makers: CountingGate

    package init(storage: FileStore, persistence: any Persistence, config: Config) {
        self.storage = storage
        self.persistence = persistence
        self.sizes = config.thumbnailSizes
        self.quality = config.thumbnailQuality
        self.maxPixels = config.maxImagePixels
        self.maxWholePixels = config.maxWholeDecodePixels
        self.durable = config.durable
        self.vips = Vips.Settings(concurrency: config.vipsConcurrency, cacheOperations: config.vipsCache)
        self.makers = CountingGate(config.thumbnailMakers)
    }

    /// The file's thumbnail in `variant`, made now when it does not exist yet. Concurrent first
    /// requests (on any node) make it once: the making holds a lock shared through the database.
    /// - Throws: 415 for a file that is not an image thumbnails are made of, an image that cannot
    ///   be decoded, or one over the pixel limit; 404 when the original is gone.
    package func thumbnail(fileID: String, of file: ServedFile, variant: ThumbnailVariant) throws -> StoredThumbnail {
        let key = variant.key
        if let found = try self.persistence.thumbnail(fileID: fileID, variant: key) { return found }
        return try self.make(fileID: fileID, of: file, variant: variant)
    }

    /// Makes the thumbnail that a lookup did not find (once, whatever the concurrency).
    package func make(fileID: String, of file: ServedFile, variant: ThumbnailVariant) throws -> StoredThumbnail {
        let key = variant.key
        guard ThumbnailSource.isSupported(contentType: file.contentType) else {
            throw APIError(.unsupportedMedia, "thumbnails are made of JPEG, PNG, GIF, WebP, AVIF, HEIC and TIFF images; this file is \(file.contentType)")
        }
        return try self.persistence.withPathLocks(["thumbnail:\(fileID):\(key)"]) {
            // Made by another request while this one waited for the lock.
            if let found = try self.persistence.thumbnail(fileID: fileID, variant: key) { return found }
            return try self.makeNow(fileID: fileID, of: file, variant: variant)
        }
    }

    private func makeNow(fileID: String, of file: ServedFile, variant: ThumbnailVariant) throws -> StoredThumbnail {
        guard self.storage.exists(file.path) else { throw APIError(.notFound, "the file is missing from storage") }
        let made: Vips.Thumbnail
        do {
            try Vips.start(self.vips)
            made = try self.makers.pass { () throws(Vips.Failure) -> Vips.Thumbnail in
                try Vips.thumbnail(
                    path: self.storage.absolute(file.path), variant: variant, maxPixels: self.maxPixels, maxWholePixels: self.maxWholePixels,
                    decodedWhole: ThumbnailSource.isDecodedWhole(contentType: file.contentType), quality: self.quality)
            }
        } catch {
            switch error {
            case .tooManyPixels(let width, let height):
                throw APIError(.unsupportedMedia, "the image is \(width)×\(height), more pixels than limits.max_image_pixels allows")
            case .tooManyPixelsToDecodeWhole(let width, let height):
                throw APIError(
                    .unsupportedMedia,
                    "the image is \(width)×\(height) and must be decoded whole (progressive, interlaced, HEIC or AVIF): more pixels than images.max_whole_decode_pixels allows")
            case .undecodable(let reason):
                Log.info("thumbnail of \(fileID): \(reason)")
                throw APIError(.unsupportedMedia, "the image cannot be decoded")
            case .unavailable(let reason), .encoding(let reason):
                Log.error("thumbnail of \(fileID): \(reason)")
                throw APIError(.internalError)
            }
        }
        let temp = try self.storage.makeTempFile(prefixLimit: 0)
        try made.bytes.withUnsafeBytes { try temp.write($0) }
        _ = try temp.finish(durable: self.durable)
        let token = String(StorageNaming.randomUUID().filter { $0 != "-" }.prefix(12))
        let row = StoredThumbnail(
            fileID: fileID, variant: variant.key, path: variant.storedPath(sha256: file.sha256, token: token, format: made.format),
            contentType: made.format.contentType, size: Int64(made.bytes.count))
        let persistence = self.persistence
        var recorded = false
        do {
            try self.storage.place([FileStore.Placement(source: .temp(temp), id: fileID, storedPath: row.path, overwrite: false)]) {
                recorded = try persistence.write { try $0.insert(row, createdAt: CivilTime.utc(Int64(Date().timeIntervalSince1970)).iso8601) }
                // The original was deleted meanwhile: undo the placement (nothing is committed).
                if !recorded { throw APIError(.notFound, "no such file") }
            }
        } catch {
            // A delete that raced the insert fails it on the foreign key instead (PostgreSQL).
            if try self.persistence.file(id: fileID) == nil { throw APIError(.notFound, "no such file") }
            throw error
        }
        return row
    }

    /// Unlinks the files of removed thumbnail rows, then forgets them.
    /// - Returns: how many queued paths were handled.
    @discardableResult
    package static func sweepGarbage(storage: FileStore, persistence: any Persistence, limit: Int = 500) throws -> Int {
        let paths = try persistence.thumbnailGarbage(limit: limit)
        guard !paths.isEmpty else { return 0 }
        for path in paths where path.hasPrefix("/.thumbnails/") && StorageNaming.isSafeStoredPath(path) {
            if unlink(storage.absolute(path)) != 0 && errno != ENOENT {
                Log.warn("thumbnail \(path): unlink failed (errno \(errno)); kept in the queue")
                continue
            }
        }
        let gone = paths.filter { !storage.exists($0) || !$0.hasPrefix("/.thumbnails/") }
        try persistence.write { try $0.forgetThumbnailGarbage(gone) }
        return gone.count
    }

    /// Runs `sweepGarbage` every `interval` seconds, for ever, on its own thread (other nodes'
    /// deletes, and this node's after a crash).
    package func startSweeping(every interval: Double) throws {
        let storage = self.storage
        let persistence = self.persistence
        _ = try JoinableThread(stackSize: 256 << 10) {
            while true {
                usleep(UInt32(interval * 1_000_000))
                do {
                    try Self.sweepGarbage(storage: storage, persistence: persistence)
                } catch {
                    Log.warn("thumbnails: garbage sweep: \(error)")
                }
            }
        }
    }
}
