import DepotCore
import Testing

/// The pure part of thumbnails: parameters, `Accept` negotiation, keys and stored names.
@Suite struct ThumbnailSpecTests {
    let sizes = [64, 128, 256, 512, 1024]

    @Test func parametersAndTheirDefaults() throws {
        #expect(try ThumbnailRequest.parse(size: nil, fit: nil, format: nil, sizes: sizes) == ThumbnailRequest(size: 256))
        #expect(try ThumbnailRequest.parse(size: "64", fit: "cover", format: "jpg", sizes: sizes) == ThumbnailRequest(size: 64, fit: .cover, format: .jpeg))
        #expect(try ThumbnailRequest.parse(size: "1024", fit: "contain", format: "auto", sizes: sizes).format == nil)
        // Without 256 configured, the default is the largest size under it (else the smallest).
        #expect(try ThumbnailRequest.parse(size: nil, fit: nil, format: nil, sizes: [100, 200, 300]).size == 200)
        #expect(try ThumbnailRequest.parse(size: nil, fit: nil, format: nil, sizes: [400, 800]).size == 400)
    }

    @Test func badParametersNameWhatIsAccepted() {
        for (size, fit, format, word) in [("100", nil, nil, "size"), ("-1", nil, nil, "size"), ("2e2", nil, nil, "size"), (nil, "fill", nil, "fit"), (nil, nil, "gif", "format"), (nil, nil, "WEBP", "format")] {
            #expect {
                try ThumbnailRequest.parse(size: size, fit: fit, format: format, sizes: sizes)
            } throws: { error in
                (error as? APIError)?.code == .paramsInvalid && (error as? APIError)?.message.hasPrefix(word) == true
            }
        }
    }

    @Test func autoFollowsAcceptByName() {
        let auto = ThumbnailRequest(size: 256)
        let chromium = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
        #expect(ThumbnailVariant(auto, accept: chromium).output == .format(.avif))
        #expect(ThumbnailVariant(auto, accept: "image/webp,*/*").output == .format(.webp))
        #expect(ThumbnailVariant(auto, accept: "IMAGE/WEBP ; q=0.5").output == .format(.webp))
        #expect(ThumbnailVariant(auto, accept: "image/avif;q=0, image/webp").output == .format(.webp))
        // Wildcards name nothing: an old client gets JPEG (or PNG for transparency).
        for accept in [nil, "", "*/*", "image/*", "image/avif;q=0.0"] as [String?] {
            #expect(ThumbnailVariant(auto, accept: accept).output == .jpegOrPNG, "\(accept ?? "nil")")
        }
        #expect(ThumbnailVariant(auto, accept: "*/*").variesByAccept)
        let named = ThumbnailVariant(ThumbnailRequest(size: 64, fit: .cover, format: .png), accept: chromium)
        #expect(named.output == .format(.png) && !named.variesByAccept)
    }

    @Test func keysAndStoredNames() {
        let sha = String(repeating: "ab", count: 32)
        let variant = ThumbnailVariant(ThumbnailRequest(size: 64, fit: .cover), accept: "*/*")
        #expect(variant.key == "64-cover-auto")
        #expect(variant.storedPath(sha256: sha, token: "t0k", format: .jpeg) == "/.thumbnails/ab/\(sha)-64-cover-auto-t0k.jpg")
        #expect(StorageNaming.isSafeStoredPath(variant.storedPath(sha256: sha, token: "x", format: .webp)))
        #expect(ThumbnailVariant(ThumbnailRequest(size: 512, format: .webp), accept: nil).key == "512-contain-webp")
        #expect(ThumbnailVariant(ThumbnailRequest(size: 512), accept: "image/webp").key == "512-contain-webp")
    }

    @Test func onlyTrustedImageTypesAreSources() {
        for type in ["image/jpeg", "image/png", "image/gif", "image/webp", "image/avif", "image/heic", "image/tiff"] {
            #expect(ThumbnailSource.isSupported(contentType: type))
        }
        for type in ["image/svg+xml", "image/bmp", "image/vnd.microsoft.icon", "application/pdf", "text/plain", "video/mp4"] {
            #expect(!ThumbnailSource.isSupported(contentType: type))
        }
    }
}
