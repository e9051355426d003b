internal import CVips
import DepotCore
import Synchronization

/// Thumbnails through libvips: the one file that talks to it. Every `VipsImage` is owned by a
/// `VipsImageHandle` and unreferenced in its deinit; every buffer libvips returns is freed here.
package enum Vips {
    package struct Settings: Sendable, Equatable {
        /// libvips's worker threads per image (`images.vips_concurrency`).
        package var concurrency: Int
        /// Operations libvips may cache (`images.vips_cache`; 0: off).
        package var cacheOperations: Int
        /// Memory libvips's operation cache may hold.
        package var cacheBytes: Int

        package init(concurrency: Int = 1, cacheOperations: Int = 0, cacheBytes: Int = 32 << 20) {
            self.concurrency = concurrency
            self.cacheOperations = cacheOperations
            self.cacheBytes = cacheBytes
        }
    }

    package enum Failure: Error, Sendable, Equatable {
        /// libvips could not be started.
        case unavailable(String)
        /// The header says more pixels than allowed (checked before any pixel is decoded).
        case tooManyPixels(width: Int, height: Int)
        /// An image that is decoded whole (progressive, interlaced, HEIC, AVIF) with more pixels than
        /// that is allowed.
        case tooManyPixelsToDecodeWhole(width: Int, height: Int)
        /// The file is not an image libvips may read, or its pixels cannot be decoded.
        case undecodable(String)
        /// Writing the thumbnail failed.
        case encoding(String)
    }

    /// A made thumbnail: its encoded bytes and what they are.
    package struct Thumbnail: Sendable {
        package var bytes: [UInt8]
        package var format: ThumbnailFormat
        package var width: Int
        package var height: Int
    }

    private static let started = Mutex<Result<Settings, Failure>?>(nil)

    /// Starts libvips once per process (later calls return the first outcome).
    package static func start(_ settings: Settings) throws(Failure) {
        let outcome = self.started.withLock { state -> Result<Settings, Failure> in
            if let state { return state }
            let result: Result<Settings, Failure> =
                depot_vips_start(Int32(settings.concurrency), Int32(settings.cacheOperations), settings.cacheBytes) == 0
                ? .success(settings) : .failure(.unavailable(lastError()))
            state = result
            return result
        }
        if case .failure(let failure) = outcome { throw failure }
    }

    /// Makes a thumbnail of the image file at `path`.
    /// - Parameters:
    ///   - variant: size, fit and output format.
    ///   - maxPixels: `limits.max_image_pixels`, checked from the header first.
    ///   - maxWholePixels: the limit for an image its loader must decode whole (a progressive JPEG,
    ///     an interlaced PNG, and with `decodedWhole` every image, such as HEIC and AVIF).
    ///   - decodedWhole: true for formats whose loaders never shrink while decoding.
    ///   - quality: the lossy formats' quality (1–100).
    package static func thumbnail(
        path: String, variant: ThumbnailVariant, maxPixels: Int64, maxWholePixels: Int64 = .max, decodedWhole: Bool = false, quality: Int,
        avifEffort: Int = 2
    ) throws(Failure) -> Thumbnail {
        try self.start(Settings())
        var width: Int32 = 0
        var height: Int32 = 0
        var pages: Int32 = 0
        var alpha: Int32 = 0
        var interlaced: Int32 = 0
        guard depot_vips_header(path, &width, &height, &pages, &alpha, &interlaced) == 0 else { throw .undecodable(lastError()) }
        let (pixels, overflow) = Int64(width).multipliedReportingOverflow(by: Int64(height))
        guard !overflow, pixels <= maxPixels else { throw .tooManyPixels(width: Int(width), height: Int(height)) }
        if (decodedWhole || interlaced != 0) && pixels > maxWholePixels {
            throw .tooManyPixelsToDecodeWhole(width: Int(width), height: Int(height))
        }

        var made: UnsafeMutablePointer<VipsImage>?
        guard depot_vips_thumbnail(path, Int32(variant.size), variant.fit == .cover ? 1 : 0, &made) == 0, let made else {
            throw .undecodable(lastError())
        }
        var image = VipsImageHandle(made)
        image = try image.then { input, output in depot_vips_srgb(input, output) }
        let format: ThumbnailFormat
        switch variant.output {
        case .format(let chosen): format = chosen
        case .jpegOrPNG: format = image.hasAlpha ? .png : .jpeg
        }
        if format == .jpeg && image.hasAlpha {
            image = try image.then { input, output in depot_vips_flatten_white(input, output) }
        }
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        let saved: Int32
        switch format {
        case .webp: saved = depot_vips_webp(image.pointer, Int32(quality), &buffer, &length)
        case .avif: saved = depot_vips_avif(image.pointer, Int32(quality), Int32(avifEffort), &buffer, &length)
        case .jpeg: saved = depot_vips_jpeg(image.pointer, Int32(quality), &buffer, &length)
        case .png: saved = depot_vips_png(image.pointer, &buffer, &length)
        }
        defer { if let buffer { depot_vips_free(buffer) } }
        // Pixels are decoded while saving: a truncated or corrupt image fails here.
        guard saved == 0, let buffer else { throw .undecodable(lastError()) }
        let bytes = [UInt8](UnsafeRawBufferPointer(start: buffer, count: length))
        return Thumbnail(bytes: bytes, format: format, width: Int(depot_vips_width(image.pointer)), height: Int(depot_vips_height(image.pointer)))
    }

    /// libvips's error text (its buffer is process-wide; cleared after reading).
    private static func lastError() -> String {
        guard let text = vips_error_buffer() else { return "libvips failed" }
        let message = String(cString: text).split(separator: "\n").first.map(String.init) ?? "libvips failed"
        vips_error_clear()
        return message
    }

    /// One `VipsImage` reference, released when the handle goes.
    private final class VipsImageHandle {
        let pointer: UnsafeMutablePointer<VipsImage>

        init(_ pointer: UnsafeMutablePointer<VipsImage>) { self.pointer = pointer }

        deinit { depot_vips_unref(self.pointer) }

        var hasAlpha: Bool { depot_vips_has_alpha(self.pointer) != 0 }

        /// The image an operation makes of this one.
        func then(_ operation: (UnsafeMutablePointer<VipsImage>, UnsafeMutablePointer<UnsafeMutablePointer<VipsImage>?>) -> Int32) throws(Failure) -> VipsImageHandle {
            var output: UnsafeMutablePointer<VipsImage>?
            guard operation(self.pointer, &output) == 0, let output else { throw .undecodable(Vips.lastError()) }
            return VipsImageHandle(output)
        }
    }
}
