import DepotCore
import DepotSystem
import Foundation

/// Resumable (tus) uploads: creation, PATCH, termination, concatenation, completion and expiry,
/// over a state row in the store and a data file on the shared volume (DESIGN.md, "Resumable
/// uploads"). The HTTP side is `TusHandlers`; this type knows nothing of headers.
package struct ResumableUploads: Sendable {
    package let files: ResumableFiles
    let persistence: any Persistence
    let ingest: Ingest
    /// `uploads.resumable_expiry`, in milliseconds.
    let expiryMillis: Int64
    /// `limits.max_file_size`.
    package let maximum: Int64
    /// `uploads.resumable_direct_io`.
    let directIO: Bool
    /// A PATCH holds its upload this long past its last saved progress; a writer that died lets
    /// go at the latest after this.
    static let leaseMillis: Int64 = 30_000
    /// A PATCH saves its progress (and renews its lease) after this many bytes or this long. A
    /// broken connection saves everything that arrived; a crash loses at most this much.
    static let checkpointBytes: Int64 = 64 << 20
    static let checkpointSeconds = 5.0
    /// A PATCH hashes on a second thread past this many bytes (small ones are not worth a thread).
    static let parallelHashThreshold: Int64 = 8 << 20
    static let readSize = 256 << 10

    package init(storage: FileStore, persistence: any Persistence, ingest: Ingest, expiry: Double, maximum: Int64, directIO: Bool = true) throws {
        self.directIO = directIO
        self.files = try ResumableFiles(root: storage.root, durable: storage.durable)
        self.persistence = persistence
        self.ingest = ingest
        self.expiryMillis = Int64(expiry * 1000)
        self.maximum = maximum
    }

    static func nowMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    // MARK: Leases

    /// A lease holder's name: this process's instance, then a request's own uuid.
    private func newOwner() -> String { "\(self.ingest.storage.instance)/\(StorageNaming.randomUUID())" }

    /// Takes an upload's lease: when free, when its time ran out, or at once when the process that
    /// holds it is dead (its instance no longer holds its journal lock on the shared volume), so a
    /// client resuming after a node crashed does not wait out the lease.
    func claim(_ id: String, owner: String) throws -> Bool {
        let now = Self.nowMillis()
        if try self.persistence.write({ try $0.claim(upload: id, owner: owner, until: now + Self.leaseMillis, now: now) }) { return true }
        guard let held = try self.persistence.upload(id: id), let holder = held.leaseOwner, let slash = holder.firstIndex(of: "/") else {
            return false
        }
        let instance = String(holder[..<slash])
        guard instance != self.ingest.storage.instance,
            !FileStore.isLive(instance: instance, temporaryDirectory: self.ingest.storage.temporaryDirectory)
        else { return false }
        Log.info("resumable upload \(id): taking over the lease of \(instance), which no longer runs")
        // Only that holder's lease: `now` just past its end.
        return try self.persistence.write { try $0.claim(upload: id, owner: owner, until: now + Self.leaseMillis, now: held.leaseUntil + 1) }
    }

    // MARK: Reading

    /// The upload of this namespace with this id.
    /// - Throws: 404 when unknown (or of another namespace), 410 when expired.
    package func find(namespace: String, id: String) throws -> ResumableUpload {
        guard let upload = try self.persistence.upload(id: id), upload.namespace == namespace else {
            // A finished upload is its stored file: HEAD says it is complete (clients that resume
            // from a saved URL then stop instead of sending it again).
            if let file = try self.persistence.fileRecord(id: id), file.namespace == namespace {
                var placed = ResumableUpload(id: id, namespace: namespace, length: file.size, expiresAt: Int64.max, createdAt: file.createdAt)
                placed.offset = file.size
                placed.placed = true
                return placed
            }
            throw APIError(.notFound, "no such upload")
        }
        guard upload.expiresAt >= Self.nowMillis() else { throw APIError(.gone, "the upload expired") }
        return upload
    }

    // MARK: Creation

    /// Creates an upload (its data file comes with its first byte).
    package func create(namespace: String, creation: TusHeaders.Creation, keepOriginal: Bool, overwrite: Bool) throws -> ResumableUpload {
        if let length = creation.length, length > self.maximum {
            throw TusError(.tooLarge, "Upload-Length is over the maximum of \(self.maximum) bytes")
        }
        let now = Date()
        var upload = ResumableUpload(
            id: StorageNaming.timeOrderedUUID(at: now), namespace: namespace, length: creation.length,
            expiresAt: Self.nowMillis() + self.expiryMillis, createdAt: CivilTime.utc(now).iso8601(milliseconds: 0))
        upload.metadata = creation.metadata.raw
        upload.keepOriginal = keepOriginal
        upload.overwrite = overwrite
        if case .partial? = creation.concat { upload.kind = .partial }
        if case .final(let urls)? = creation.concat {
            return try self.concatenate(upload, parts: urls)
        }
        try self.persistence.write { try $0.insert(upload) }
        return upload
    }

    // MARK: PATCH

    /// The outcome of a PATCH: the saved state, and the stored file when this PATCH completed it.
    package struct Progress {
        package var upload: ResumableUpload
        package var file: FileRecord?
    }

    /// Appends a request body to an upload: takes the lease (423 when another PATCH holds it), streams
    /// the body to the data file and the running hash, saves offset and hash together (every 64 MiB
    /// and at the end, also when the connection breaks), and completes the upload at its length.
    /// With a checksum the body goes to a scratch file first and is appended only when it matches.
    package func patch(
        _ upload: ResumableUpload, _ patch: TusHeaders.Patch, declaredLength: Int64?, body: any RequestBody
    ) throws -> Progress {
        let admission = try upload.state.admit(patch, maximum: self.maximum)
        if let declaredLength, declaredLength > admission.room {
            throw TusError(.tooLarge, "the body (\(declaredLength) bytes) goes past the upload's length or the maximum")
        }
        if upload.placed {
            // Complete and stored: an empty PATCH at its end changes nothing; bytes are refused.
            var probe = [UInt8](repeating: 0, count: 1)
            guard try probe.withUnsafeMutableBytes({ try body.read(into: $0) }) == 0 else {
                throw TusError(.tooLarge, "the upload is complete")
            }
            return Progress(upload: upload, file: nil)
        }
        let owner = self.newOwner()
        guard try self.claim(upload.id, owner: owner) else { throw APIError(.locked, "another PATCH of this upload is in flight") }
        var state = upload
        state.length = admission.length
        state.leaseOwner = owner
        // Whatever happens, the lease is let go (a crash lets it lapse instead).
        var released = false
        defer {
            if !released { _ = try? self.persistence.write { try $0.release(upload: upload.id, owner: owner) } }
        }
        // Re-read under the lease: another PATCH may have finished between the caller's read and the claim.
        guard let current = try self.persistence.upload(id: upload.id), current.offset == upload.offset else {
            throw TusError(.offsetMismatch, "the upload moved on while this PATCH waited; ask HEAD for the offset")
        }
        let hasher = try self.hasher(for: current)
        let data = try self.files.openForAppend(upload.id, offset: current.offset)
        defer { data.close() }

        var received: Int64 = 0
        if let checksum = patch.checksum {
            received = try self.receiveChecked(body, room: admission.room, checksum: checksum, into: data, hasher: hasher)
            state.offset += received
            try self.save(&state, hashState: hasher.state, offset: state.offset, data: data, owner: owner)
        } else {
            received = try self.receive(body, room: admission.room, into: data, hasher: hasher, state: &state, owner: owner)
        }
        guard state.state.isComplete, state.kind == .plain else { return Progress(upload: state, file: nil) }
        let file = try self.complete(&state, hasher: hasher, owner: owner)
        released = true
        return Progress(upload: state, file: file)
    }

    /// The running hash at the upload's offset: the saved state, or (another OpenSSL saved it) the
    /// data file hashed again.
    private func hasher(for upload: ResumableUpload) throws -> ResumableSHA256 {
        if upload.offset == 0 { return ResumableSHA256() }
        if let saved = ResumableSHA256(state: upload.hashState, tag: upload.hashTag) { return saved }
        Log.info("resumable upload \(upload.id): hash state from another library version; hashing its \(upload.offset) bytes again")
        let hasher = ResumableSHA256()
        try self.files.hash(upload.id, 0..<upload.offset, into: hasher)
        return hasher
    }

    /// Streams the body into the data file; saves progress every 64 MiB or 5 s, and what arrived when
    /// the connection breaks.
    private func receive(
        _ body: any RequestBody, room: Int64, into data: FileDescriptor, hasher: ResumableSHA256, state: inout ResumableUpload, owner: String
    ) throws -> Int64 {
        // 256 KiB reads (1 MiB ones made one long PATCH cost twice the CPU in the kernel's copy into
        // the page cache, measured); the hash pipeline's buffers are the same size.
        var buffer = [UInt8](repeating: 0, count: Self.readSize)
        var total: Int64 = 0
        var unsaved: Int64 = 0
        var lastSave = Date()
        // Past 8 MiB the hash runs on its own thread while the next bytes are written (as for
        // multipart). A save along the way takes the hash thread's latest state and the offset it
        // covers, a little behind what was written, without waiting; the last save waits for it.
        var pipeline: HashPipeline?
        var pipelineStart: Int64 = 0
        // What the row says now.
        var savedOffset = state.offset
        defer { pipeline?.finish() }
        // Whole blocks go to the disk with O_DIRECT: the copy into the page cache was the costly
        // and erratic part of a long PATCH (measured), and these bytes are not read again soon.
        let appender = try DirectAppender(path: self.files.path(state.id), buffered: data, offset: state.offset, direct: self.directIO)
        let save = { (state: inout ResumableUpload, final: Bool) throws in
            // Every byte received is in the file before any offset is saved.
            try appender.flush()
            guard let pipeline, !final, let checkpoint = pipeline.checkpoint else {
                pipeline?.drain()
                try self.save(&state, hashState: hasher.state, offset: state.offset, data: data, owner: owner)
                savedOffset = state.offset
                return
            }
            savedOffset = pipelineStart + checkpoint.bytes
            try self.save(&state, hashState: checkpoint.state, offset: savedOffset, data: data, owner: owner)
        }
        while true {
            let count: Int
            do {
                count = try buffer.withUnsafeMutableBytes { try body.read(into: $0) }
            } catch {
                // Keep what arrived: the client asks HEAD and goes on from there.
                if savedOffset != state.offset { try? save(&state, true) }
                throw error
            }
            if count == 0 { break }
            guard total + Int64(count) <= room else {
                // Past the length or the maximum: this request's bytes are not kept.
                throw TusError(.tooLarge, "the body goes past the upload's length or the maximum")
            }
            if pipeline == nil && total >= Self.parallelHashThreshold {
                pipeline = try? HashPipeline(hasher: hasher, depth: 24, bufferSize: Self.readSize) { hasher.state }
                pipelineStart = state.offset
            }
            try buffer.withUnsafeBytes { raw in
                let bytes = UnsafeRawBufferPointer(rebasing: raw[..<count])
                if let pipeline { pipeline.submit(bytes) } else { hasher.update(bytes) }
                try appender.append(bytes)
            }
            total += Int64(count)
            unsaved += Int64(count)
            state.offset += Int64(count)
            if unsaved >= Self.checkpointBytes || Date().timeIntervalSince(lastSave) >= Self.checkpointSeconds {
                try save(&state, false)
                unsaved = 0
                lastSave = Date()
            }
        }
        // The last save waits for the hash thread, so the row ends at the last byte received.
        if savedOffset != state.offset || total == 0 { try save(&state, true) }
        return total
    }

    /// Receives a body with an `Upload-Checksum` into a scratch file, then appends it only when
    /// the digest matches (460 otherwise; nothing kept).
    private func receiveChecked(
        _ body: any RequestBody, room: Int64, checksum: TusChecksum, into data: FileDescriptor, hasher: ResumableSHA256
    ) throws -> Int64 {
        guard let digest = ChunkDigest(algorithm: checksum.algorithm.rawValue) else {
            throw TusError(.invalid, "unsupported checksum algorithm")
        }
        let scratch = try self.ingest.storage.makeScratchFile()
        defer { scratch.close() }
        let pending = ResumableSHA256(state: hasher.state, tag: ResumableSHA256.stateTag) ?? ResumableSHA256()
        var buffer = [UInt8](repeating: 0, count: Self.readSize)
        var total: Int64 = 0
        while true {
            let count = try buffer.withUnsafeMutableBytes { try body.read(into: $0) }
            if count == 0 { break }
            guard total + Int64(count) <= room else { throw TusError(.tooLarge, "the body goes past the upload's length or the maximum") }
            try buffer.withUnsafeBytes { raw in
                let bytes = UnsafeRawBufferPointer(rebasing: raw[..<count])
                digest.update(bytes)
                pending.update(bytes)
                try scratch.writeAll(bytes)
            }
            total += Int64(count)
        }
        guard digest.finalize() == checksum.digest else {
            throw APIError(.checksumMismatch, "the chunk's \(checksum.algorithm.rawValue) does not match Upload-Checksum; it was discarded")
        }
        try data.append(from: scratch, offset: 0, count: total)
        hasher.copy(from: pending)
        return total
    }

    /// Makes the data durable (when storage is), then saves offset, length, hash state and a renewed
    /// lease and expiry together.
    /// - Throws: 423 when the lease was lost (another writer took over after it lapsed).
    /// - Parameters:
    ///   - hashState: the running hash over bytes 0..<offset.
    ///   - offset: what the row will say: `state.offset`, or less while the hash thread is behind (the
    ///     bytes past it are written but not yet counted; a later save or the next PATCH covers them).
    private func save(_ state: inout ResumableUpload, hashState: [UInt8], offset: Int64, data: FileDescriptor, owner: String) throws {
        if self.files.durable { try data.dataSync() }
        let now = Self.nowMillis()
        state.hashState = hashState
        state.hashTag = ResumableSHA256.stateTag
        state.expiresAt = now + self.expiryMillis
        state.leaseUntil = now + Self.leaseMillis
        var next = state
        next.offset = offset
        guard try self.persistence.write({ try $0.save(next, heldBy: owner) }) else {
            throw APIError(.locked, "this PATCH lost its hold on the upload")
        }
    }

    // MARK: Completion

    /// Places a complete upload exactly like a multipart upload: sniffed, pixel-limited, named,
    /// placed with its row, the state row removed in the same transaction. A failure is saved as the
    /// upload's outcome (a later GET answers it) and thrown.
    private func complete(_ state: inout ResumableUpload, hasher: ResumableSHA256, owner: String, parts: [ResumableUpload] = []) throws -> FileRecord {
        do {
            let record = try self.place(state, sha256: hasher.hex(), owner: owner, parts: parts)
            self.files.remove(state.id)
            for part in parts { self.files.remove(part.id) }
            return record
        } catch {
            let (apiError, _) = ErrorMapping.map(error)
            if apiError.code != .unavailable {
                var failed = state
                failed.outcome = String(decoding: Envelope.bytes(code: apiError.code, message: apiError.message), as: UTF8.self)
                failed.leaseOwner = nil
                failed.leaseUntil = 0
                _ = try? self.persistence.write { try $0.save(failed, heldBy: owner) }
            }
            throw error
        }
    }

    private func place(_ upload: ResumableUpload, sha256: String, owner: String, parts: [ResumableUpload]) throws -> FileRecord {
        let metadata = try TusMetadata.parse(upload.metadata)
        let original = metadata.text("filename") ?? ""
        var fields = FormFields()
        for (key, value) in metadata.pairs where key != "filename" && key != "filetype" {
            fields.add(name: key, bytes: value, contentType: nil)
        }
        let sniff = ContentSniffer.sniff(try self.files.prefix(upload.id, count: ContentSniffer.prefixSize))
        try self.ingest.checkPixels(sniff, name: original)
        let now = Date()
        let name = try self.ingest.storedName(original: original, sniff: sniff, keepOriginal: upload.keepOriginal, id: upload.id)
        let path = "/\(upload.namespace)/\(StorageNaming.dateFolder(now))/\(name)"
        let record = FileRecord.make(
            id: upload.id, namespace: upload.namespace, path: path, originalName: original, fallbackName: name, size: upload.offset,
            sha256: sha256, sniff: sniff, metadata: fields.json.serialized, now: now)
        let placement = FileStore.Placement(source: .path(self.files.path(upload.id)), id: upload.id, storedPath: path, overwrite: upload.overwrite)
        try self.ingest.commit([record], placements: [placement], overwrite: upload.overwrite) { transaction in
            _ = try transaction.deleteUpload(id: upload.id)
            for part in parts { _ = try transaction.deleteUpload(id: part.id) }
        }
        return record
    }

    // MARK: Concatenation

    /// Creates a final upload from complete parts of the same namespace, in order, and completes it:
    /// the bytes are appended by the kernel (`copy_file_range`); the hash goes on from the first
    /// part's saved state over the later parts.
    private func concatenate(_ final: ResumableUpload, parts urls: [String]) throws -> ResumableUpload {
        let prefix = "/api/tus/\(final.namespace)/"
        var parts: [ResumableUpload] = []
        for url in urls {
            let path = url.hasPrefix("http://") || url.hasPrefix("https://") ? (URLComponents(string: url)?.path ?? url) : url
            guard path.hasPrefix(prefix), case let id = String(path.dropFirst(prefix.count)), !id.isEmpty, !id.contains("/"),
                let part = try self.persistence.upload(id: id), part.namespace == final.namespace
            else { throw TusError(.invalid, "Upload-Concat names \(url.prefix(200)), which is not an upload of this namespace") }
            guard part.kind == .partial else { throw TusError(.invalid, "Upload-Concat names \(url.prefix(200)), which is not a partial upload") }
            guard part.state.isComplete else { throw TusError(.invalid, "the part \(url.prefix(200)) is not complete") }
            guard !parts.contains(where: { $0.id == part.id }) else { throw TusError(.invalid, "Upload-Concat names \(url.prefix(200)) twice") }
            parts.append(part)
        }
        let length = parts.reduce(Int64(0)) { $0 + ($1.length ?? 0) }
        guard length <= self.maximum else { throw TusError(.tooLarge, "the parts together are over the maximum of \(self.maximum) bytes") }
        var upload = final
        upload.kind = .final
        upload.parts = parts.map(\.id)
        upload.length = length
        upload.deferred = false
        let owner = self.newOwner()
        let now = Self.nowMillis()
        upload.leaseOwner = owner
        upload.leaseUntil = now + Self.leaseMillis
        // The final row and a hold on every part, together: a part cannot be terminated or used by
        // another concatenation meanwhile.
        let row = upload
        try self.persistence.write { transaction in
            for part in parts where try !transaction.claim(upload: part.id, owner: owner, until: now + Self.leaseMillis, now: now) {
                throw APIError(.locked, "a part of this concatenation is in use")
            }
            try transaction.insert(row)
        }
        var done = false
        defer {
            if !done {
                _ = try? self.persistence.write { transaction in
                    for part in parts { try transaction.release(upload: part.id, owner: owner) }
                    try transaction.release(upload: row.id, owner: owner)
                }
            }
        }
        let data = try self.files.openForAppend(upload.id, offset: 0)
        defer { data.close() }
        let hasher = try self.hasher(for: parts[0])
        for (index, part) in parts.enumerated() {
            let source = try FileDescriptor.open(self.files.path(part.id), O_RDONLY | O_CLOEXEC)
            defer { source.close() }
            try data.append(from: source, offset: 0, count: part.offset)
            if index > 0 { try self.files.hash(part.id, 0..<part.offset, into: hasher) }
        }
        upload.offset = length
        try self.save(&upload, hashState: hasher.state, offset: upload.offset, data: data, owner: owner)
        _ = try self.complete(&upload, hasher: hasher, owner: owner, parts: parts)
        done = true
        return upload
    }

    // MARK: Termination, expiry, recovery

    /// Removes an upload and its bytes (423 while a PATCH holds it).
    package func terminate(_ upload: ResumableUpload) throws {
        let owner = self.newOwner()
        // Held by us from the claim on, so nobody else changes it before the delete.
        let removed = try self.claim(upload.id, owner: owner) && self.persistence.write { try $0.deleteUpload(id: upload.id) }
        guard removed else {
            if try self.persistence.upload(id: upload.id) == nil { throw APIError(.notFound, "no such upload") }
            throw APIError(.locked, "a PATCH of this upload is in flight")
        }
        self.files.remove(upload.id)
    }

    /// Removes uploads idle past their expiry, with their bytes. Safe on every node at once: each
    /// upload is claimed and deleted in one transaction, so one node removes it.
    /// - Returns: how many this call removed.
    @discardableResult
    package func sweepExpired() throws -> Int {
        var removed = 0
        while true {
            let now = Self.nowMillis()
            let ids = try self.persistence.expiredUploads(now: now, limit: 100)
            for id in ids {
                let owner = self.newOwner()
                let gone = try self.persistence.write { transaction in
                    try transaction.claim(upload: id, owner: owner, until: now + Self.leaseMillis, now: now) && transaction.deleteUpload(id: id)
                }
                if gone {
                    self.files.remove(id)
                    removed += 1
                }
            }
            if ids.count < 100 { return removed }
        }
    }

    /// Start-up recovery: data files whose row is gone are removed. (Listed before the rows are read:
    /// a row is made before its data file, so any file listed whose row is missing is left over.)
    /// - Returns: how many files were removed.
    @discardableResult
    package func removeOrphanFiles() throws -> Int {
        let files = self.files.ids()
        let rows = try self.persistence.uploadIDs()
        var removed = 0
        for id in files where !rows.contains(id) {
            self.files.remove(id)
            removed += 1
        }
        return removed
    }

    /// Runs `sweepExpired` every `interval` seconds, for ever, on its own thread.
    package func startSweeping(every interval: Double) throws {
        let uploads = self
        _ = try JoinableThread(stackSize: 256 << 10) {
            while true {
                usleep(UInt32(min(interval, 3600) * 1_000_000))
                do {
                    let removed = try uploads.sweepExpired()
                    if removed > 0 { Log.info("resumable uploads: removed \(removed) expired") }
                } catch {
                    Log.warn("resumable uploads: expiry sweep: \(error)")
                }
            }
        }
    }
}

