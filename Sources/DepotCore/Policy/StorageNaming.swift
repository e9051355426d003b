import Foundation
import Glibc

/// The rules for namespaces, stored names and extensions (API.md, "Uploads" and "Decisions").
package enum StorageNaming {
    /// A random (version 4) UUID in lower case, from getrandom(2): no device file to open and close
    /// per id, as Foundation's `UUID()` does here.
    package static func randomUUID() -> String {
        let (first, second) = randomWords()
        let high = first & 0xFFFF_FFFF_FFFF_0FFF | 0x0000_0000_0000_4000  // version 4
        let low = second & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000  // RFC 9562 variant
        return formatUUID(high: high, low: low)
    }

    /// A time-ordered (version 7, RFC 9562) UUID: 48 bits of Unix milliseconds, then 74 random bits.
    /// Used for record ids and stored names: ids made close in time sort together, so SQLite appends
    /// them at the right edge of the id and path indexes instead of dirtying a random page per insert.
    package static func timeOrderedUUID(at date: Date) -> String {
        let milliseconds = UInt64(max(0, date.timeIntervalSince1970 * 1000)) & 0xFFFF_FFFF_FFFF
        let (first, second) = randomWords()
        let high = milliseconds << 16 | 0x7000 | first & 0x0FFF  // version 7, 12 random bits
        let low = second & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000  // RFC 9562 variant
        return formatUUID(high: high, low: low)
    }

    /// 128 random bits from one getrandom(2) call, through glibc's arc4random_buf (the stdlib
    /// generator makes one call per 64 bits).
    private static func randomWords() -> (UInt64, UInt64) {
        var words: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &words) { arc4random_buf($0.baseAddress!, $0.count) }
        return words
    }

    /// 8-4-4-4-12 lower-case hex of the 128 bits `high` then `low`.
    private static func formatUUID(high: UInt64, low: UInt64) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for index in 0..<32 {
            if index == 8 || index == 12 || index == 16 || index == 20 { out.append(UInt8(ascii: "-")) }
            let word = index < 16 ? high : low
            out.append(Hex.lowerDigit(UInt8(truncatingIfNeeded: word >> (60 - 4 * UInt64(index % 16))) & 0xF))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A namespace: one to four segments of `[a-z0-9_-]{1,64}` joined by `/`, checked on the raw
    /// (still percent-encoded) text so `%2e` or `%2F` cannot slip through decoding.
    /// - Returns: the namespace, or nil when it is not allowed.
    package static func namespace(raw: some StringProtocol) -> String? {
        let segments = raw.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...4).contains(segments.count) else { return nil }
        for segment in segments {
            guard (1...64).contains(segment.utf8.count),
                segment.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 || $0 == 45 })
            else { return nil }
        }
        return String(raw)
    }

    /// Cleans an original file name: last path segment (either slash), no control or bidi-format
    /// characters, NFC, at most 255 UTF-8 bytes (keeping the extension when shortening).
    /// - Returns: the clean name, or nil when nothing usable remains (empty, `.` or `..`).
    package static func sanitizeFilename(_ original: String) -> String? {
        // Split on scalars, never on Characters: a "/" after a prepended mark (U+0600–U+0605, U+06DD,
        // U+110BD, ...) is part of one grapheme cluster, so a Character split missed it and
        // "..\u{0603}/..\u{0603}/x" came out as "../../x" once the mark (a format character) was dropped.
        let lastSegment = String(
            String.UnicodeScalarView(
                original.unicodeScalars.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "/" || $0 == "\\" }).last ?? []))
        var name: String
        if lastSegment.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            // Printable ASCII (most names): nothing to drop and already NFC; only spaces to trim.
            let bytes = lastSegment.utf8
            let start = bytes.firstIndex { $0 != UInt8(ascii: " ") } ?? bytes.endIndex
            let end = bytes.lastIndex { $0 != UInt8(ascii: " ") }.map { bytes.index(after: $0) } ?? start
            name = String(lastSegment[start..<max(start, end)])
        } else {
            var scalars = String.UnicodeScalarView()
            for scalar in lastSegment.unicodeScalars {
                switch scalar.properties.generalCategory {
                case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned: continue
                default: scalars.append(scalar)
                }
            }
            name = String(scalars).precomposedStringWithCanonicalMapping.trimmingCharacters(in: .whitespaces)
        }
        guard !name.isEmpty, name != ".", name != "..", !name.unicodeScalars.contains(where: { $0 == "/" || $0 == "\\" || $0 == "\0" }) else {
            return nil
        }
        if name.utf8.count > 255 { name = truncate(name, toBytes: 255) }
        return name
    }

    /// True for a stored path Depot can have made: absolute, no empty, `.` or `..` segment, no NUL
    /// or backslash. The last check before a name is created under the storage root.
    package static func isSafeStoredPath(_ path: String) -> Bool {
        let segments = path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard path.utf8.first == UInt8(ascii: "/"), segments.count >= 2 else { return false }
        return segments.dropFirst().allSatisfy { segment in
            !segment.isEmpty && !segment.elementsEqual(".".utf8) && !segment.elementsEqual("..".utf8)
                && !segment.contains(0) && !segment.contains(UInt8(ascii: "\\"))
        }
    }

    /// The lower-cased original extension when it is `[a-z0-9]{1,10}`.
    package static func originalExtension(_ name: String) -> String? {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        let ext = name[name.index(after: dot)...].lowercased()
        guard (1...10).contains(ext.utf8.count), ext.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) }) else { return nil }
        return ext
    }

    /// The stored extension: from the sniffed type, else the sanitised original one, else none.
    package static func storedExtension(sniffed: SniffResult, originalName: String?) -> String? {
        sniffed.fileExtension ?? originalName.flatMap(originalExtension)
    }

    /// Shortens to at most `limit` UTF-8 bytes on a character boundary, keeping a short extension.
    package static func truncate(_ name: String, toBytes limit: Int) -> String {
        var suffix = ""
        var stem = name
        if let ext = originalExtension(name) {
            suffix = "." + ext
            stem = String(name.dropLast(suffix.count))
        }
        var result = ""
        var used = 0
        for character in stem {
            let size = character.utf8.count
            if used + size + suffix.utf8.count > limit { break }
            result.append(character)
            used += size
        }
        return result + suffix
    }

    /// The date folder of a stored path: `YYYY-MM-DD` (uploads, materials) or `YYYYMMDD`
    /// (fetches), in server local time.
    package static func dateFolder(_ date: Date, compact: Bool = false) -> String {
        CivilTime.local(date).date(compact: compact)
    }
}
