import DepotCore

/// A resumable (tus) upload's state row: everything needed to take it up again on any node.
/// Its bytes are one data file, `ResumableFiles.path(id)`, never longer than `offset` once a
/// writer has taken the lease.
package struct ResumableUpload: Sendable, Equatable {
    package enum Kind: String, Sendable {
        case plain, partial, final
    }

    /// Also the stored file's id once complete.
    package var id: String
    package var namespace: String
    /// nil while the length is deferred.
    package var length: Int64?
    package var offset: Int64 = 0
    /// True when the length was deferred at creation (it may be declared once).
    package var deferred: Bool = false
    package var kind: Kind = .plain
    /// A final concatenation's parts, in order.
    package var parts: [String] = []
    /// `Upload-Metadata` as sent.
    package var metadata: String = ""
    package var keepOriginal: Bool = false
    package var overwrite: Bool = false
    /// The running SHA-256 over bytes 0..<offset (`ResumableSHA256.state`), empty at offset 0.
    package var hashState: [UInt8] = []
    package var hashTag: String = ""
    /// Unix milliseconds after which an incomplete upload is removed.
    package var expiresAt: Int64
    /// The PATCH holding the upload, until `leaseUntil` (Unix milliseconds).
    package var leaseOwner: String?
    package var leaseUntil: Int64 = 0
    /// Why completion failed (the error envelope as JSON), when it did.
    package var outcome: String?
    package var createdAt: String
    /// Not a row: a finished upload, answered from its stored file.
    package var placed = false

    package init(id: String, namespace: String, length: Int64?, expiresAt: Int64, createdAt: String) {
        self.id = id
        self.namespace = namespace
        self.length = length
        self.deferred = length == nil
        self.expiresAt = expiresAt
        self.createdAt = createdAt
    }

    /// The protocol's view, for `TusUploadState`'s rules.
    package var state: TusUploadState {
        var state = TusUploadState(length: self.length, offset: self.offset, kind: self.tusKind)
        state.deferred = self.deferred
        return state
    }

    private var tusKind: TusUploadState.Kind {
        switch self.kind {
        case .plain: .plain
        case .partial: .partial
        case .final: .final(self.parts)
        }
    }
}
