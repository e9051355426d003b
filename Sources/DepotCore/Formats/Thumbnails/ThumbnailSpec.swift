/// What a thumbnail request asks for, and what is made and kept for it: the pure part of
/// `GET /api/files/{id}/thumbnail` (parameters, the `Accept` negotiation, the stored name).
package enum ThumbnailFit: String, Sendable, Equatable, CaseIterable {
    /// The whole image inside the box, aspect kept, never enlarged.
    case contain
    /// Exactly size × size, centre-cropped.
    case cover
}

/// The formats a thumbnail is written in.
package enum ThumbnailFormat: String, Sendable, Equatable, CaseIterable {
    case webp, avif, jpeg, png

    package var contentType: String { "image/\(self.rawValue)" }
    package var fileExtension: String { self == .jpeg ? "jpg" : self.rawValue }
}

/// The parameters as asked (`format` nil: auto).
package struct ThumbnailRequest: Sendable, Equatable {
    package var size: Int
    package var fit: ThumbnailFit
    package var format: ThumbnailFormat?

    package init(size: Int, fit: ThumbnailFit = .contain, format: ThumbnailFormat? = nil) {
        self.size = size
        self.fit = fit
        self.format = format
    }

    /// Reads `size`, `fit` and `format` from the query.
    /// - Parameter sizes: `images.thumbnail_sizes`; `size` must be one of them (default 256 when
    ///   listed, else the largest listed size under it, else the smallest).
    /// - Throws: 400 naming the parameter and what it accepts.
    package static func parse(size: String?, fit: String?, format: String?, sizes: [Int]) throws(APIError) -> ThumbnailRequest {
        let chosen: Int
        if let size {
            guard let number = Int(size), sizes.contains(number) else {
                throw APIError(.paramsInvalid, "size must be one of \(sizes.map(String.init).joined(separator: ", "))")
            }
            chosen = number
        } else {
            chosen = sizes.contains(256) ? 256 : (sizes.filter { $0 < 256 }.max() ?? sizes.min() ?? 256)
        }
        var request = ThumbnailRequest(size: chosen)
        if let fit {
            guard let value = ThumbnailFit(rawValue: fit) else { throw APIError(.paramsInvalid, "fit must be contain or cover") }
            request.fit = value
        }
        if let format, format != "auto" {
            guard let value = ThumbnailFormat(rawValue: format == "jpg" ? "jpeg" : format) else {
                throw APIError(.paramsInvalid, "format must be auto, webp, avif, jpeg or png")
            }
            request.format = value
        }
        return request
    }
}

/// What is made and kept: the request with `auto` settled by the `Accept` header.
package struct ThumbnailVariant: Sendable, Equatable {
    package enum Output: Sendable, Equatable {
        case format(ThumbnailFormat)
        /// `auto` for a client that takes neither AVIF nor WebP: JPEG, or PNG when the image has
        /// transparency (known only once the image is opened).
        case jpegOrPNG
    }

    package var size: Int
    package var fit: ThumbnailFit
    package var output: Output
    /// True when the answer depends on `Accept` (format=auto): it carries `Vary: Accept`.
    package var variesByAccept: Bool

    /// - Parameters:
    ///   - request: the parsed parameters.
    ///   - accept: the request's `Accept` header.
    package init(_ request: ThumbnailRequest, accept: String?) {
        self.size = request.size
        self.fit = request.fit
        if let format = request.format {
            self.output = .format(format)
            self.variesByAccept = false
        } else {
            let accepted = AcceptHeader(accept)
            if accepted.lists("image/avif") {
                self.output = .format(.avif)
            } else if accepted.lists("image/webp") {
                self.output = .format(.webp)
            } else {
                self.output = .jpegOrPNG
            }
            self.variesByAccept = true
        }
    }

    /// The normalised parameters, as the store keys them: `256-contain-webp`, `64-cover-auto`.
    package var key: String {
        let format: String
        switch self.output {
        case .format(let value): format = value.rawValue
        case .jpegOrPNG: format = "auto"
        }
        return "\(self.size)-\(self.fit.rawValue)-\(format)"
    }

    /// The stored path of a thumbnail: under `/.thumbnails/`, named by the original's SHA-256 and
    /// the key, plus a token of its own, so that a thumbnail made again after its original came
    /// back never shares a name with one being removed.
    package func storedPath(sha256: String, token: String, format: ThumbnailFormat) -> String {
        "/.thumbnails/\(sha256.prefix(2))/\(sha256)-\(self.key)-\(token).\(format.fileExtension)"
    }
}

/// Which originals thumbnails are made of: the image types Depot sniffs that libvips reads with
/// a trusted loader (never SVG, BMP or ICO).
package enum ThumbnailSource {
    package static let contentTypes: Set<String> = ["image/jpeg", "image/png", "image/gif", "image/webp", "image/avif", "image/heic", "image/tiff"]

    package static func isSupported(contentType: String) -> Bool { self.contentTypes.contains(contentType) }

    /// True for formats whose decoders never shrink while decoding: the whole image is decoded
    /// (HEIC and AVIF; a progressive JPEG or interlaced PNG is found from its header).
    package static func isDecodedWhole(contentType: String) -> Bool { contentType == "image/heic" || contentType == "image/avif" }

    /// True when the format can carry transparency (JPEG never does).
    package static func mayHaveAlpha(contentType: String) -> Bool { contentType != "image/jpeg" }
}

/// What an `Accept` header says about the two formats `auto` may pick: whether it names
/// `image/avif` and `image/webp` with a quality above zero (wildcards do not count: `auto` picks
/// AVIF or WebP only for a client that names them). One pass, no allocation per item.
package struct AcceptHeader: Sendable, Equatable {
    package var avif = false
    package var webp = false

    package init(_ header: String?) {
        guard let header else { return }
        for item in header.utf8.split(separator: UInt8(ascii: ",")) {
            let parts = item.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false)
            guard let type = parts.first.map(Self.trimmed) else { continue }
            let isAVIF = Self.equalsIgnoringCase(type, "image/avif")
            guard isAVIF || Self.equalsIgnoringCase(type, "image/webp") else { continue }
            var quality = 1.0
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
                guard pair.count == 2, Self.equalsIgnoringCase(Self.trimmed(pair[0]), "q") else { continue }
                quality = Double(String(decoding: Self.trimmed(pair[1]), as: UTF8.self)) ?? 0
            }
            if quality > 0 {
                if isAVIF { self.avif = true } else { self.webp = true }
            }
        }
    }

    /// True when the header names `type` (`image/avif` or `image/webp`) with a quality above zero.
    package func lists(_ type: String) -> Bool {
        switch type {
        case "image/avif": self.avif
        case "image/webp": self.webp
        default: false
        }
    }

    private static func trimmed(_ bytes: Substring.UTF8View) -> Substring.UTF8View {
        var bytes = bytes
        while let first = bytes.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { bytes = bytes.dropFirst() }
        while let last = bytes.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { bytes = bytes.dropLast() }
        return bytes
    }

    private static func equalsIgnoringCase(_ bytes: Substring.UTF8View, _ lowercase: String) -> Bool {
        guard bytes.count == lowercase.utf8.count else { return false }
        var expected = lowercase.utf8.makeIterator()
        for byte in bytes {
            let folded: UInt8 = byte >= 65 && byte <= 90 ? byte + 32 : byte
            guard folded == expected.next() else { return false }
        }
        return true
    }
}
