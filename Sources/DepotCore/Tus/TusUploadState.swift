/// One resumable upload's progress and the rules a PATCH must meet against it (tus 1.0.0 core,
/// creation-defer-length and concatenation), without I/O.
package struct TusUploadState: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        case plain
        /// A part of a later concatenation: never placed as a file by itself.
        case partial
        /// Assembled from the parts at these paths; takes no PATCH.
        case final([String])
    }

    /// nil while the length is deferred.
    package var length: Int64?
    package var offset: Int64
    package var kind: Kind
    /// Created with `Upload-Defer-Length: 1`: one PATCH may declare the length, once.
    package var deferred: Bool

    package init(length: Int64?, offset: Int64 = 0, kind: Kind = .plain) {
        self.length = length
        self.offset = offset
        self.kind = kind
        self.deferred = length == nil
    }

    package var isComplete: Bool { self.length.map { self.offset == $0 } ?? false }

    /// What a PATCH may do.
    package struct Admission: Sendable, Equatable {
        /// The length after this PATCH (a deferred one declared now, or the one known).
        package var length: Int64?
        /// The most body bytes this PATCH may append; more is 413 and the excess is not kept.
        package var room: Int64

        package init(length: Int64?, room: Int64) {
            self.length = length
            self.room = room
        }
    }

    /// Checks a PATCH's headers against the state.
    /// - Parameter maximum: `limits.max_file_size`.
    /// - Throws: 403 on a final upload; 409 when `Upload-Offset` is not the offset; 400 when a
    ///   length is declared twice (a different value) or below the offset; 413 over the maximum.
    package func admit(_ patch: TusHeaders.Patch, maximum: Int64) throws(TusError) -> Admission {
        if case .final = self.kind { throw TusError(.forbidden, "a final concatenation takes no PATCH") }
        guard patch.offset == self.offset else {
            throw TusError(.offsetMismatch, "Upload-Offset is \(patch.offset); the upload is at \(self.offset)")
        }
        var length = self.length
        if let declared = patch.length {
            if let known = self.length {
                // A deferred length is declared once. A length given at creation may be repeated
                // (some clients send it with every PATCH), never changed.
                guard !self.deferred else { throw TusError(.invalid, "the deferred Upload-Length was already set (\(known))") }
                guard declared == known else { throw TusError(.invalid, "Upload-Length is already \(known)") }
            } else {
                guard declared >= self.offset else { throw TusError(.invalid, "Upload-Length \(declared) is below the offset \(self.offset)") }
                guard declared <= maximum else { throw TusError(.tooLarge, "Upload-Length is over the maximum of \(maximum) bytes") }
                length = declared
            }
        }
        let limit = length ?? maximum
        return Admission(length: length, room: max(0, limit - self.offset))
    }

    /// The state after `count` more bytes were kept (and, for a deferred length, the declared one).
    package func advanced(by count: Int64, length: Int64?) -> TusUploadState {
        var next = self
        next.offset += count
        next.length = length ?? self.length
        return next
    }
}
