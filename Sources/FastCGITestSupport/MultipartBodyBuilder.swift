/// Builds `multipart/form-data` bodies for tests (RFC 7578), independently of the parser under test.
public struct MultipartBodyBuilder {
    public let boundary: String
    public private(set) var body: [UInt8] = []

    public init(boundary: String = "depot-test-boundary-7MA4YWxkTrZu0gW") { self.boundary = boundary }

    public var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    public mutating func field(_ name: String, _ value: String, contentType: String? = nil) {
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n".utf8)
        if let contentType { body += Array("Content-Type: \(contentType)\r\n".utf8) }
        body += Array("\r\n\(value)\r\n".utf8)
    }

    /// A file part; `rawFilename` is put between the quotes as given (tests send hostile names).
    public mutating func file(_ name: String, filename rawFilename: String, contentType: String = "application/octet-stream", _ bytes: [UInt8]) {
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"".utf8)
        body += Array(rawFilename.utf8)
        body += Array("\"\r\nContent-Type: \(contentType)\r\n\r\n".utf8)
        body += bytes
        body += [13, 10]
    }

    public func finished() -> [UInt8] { body + Array("--\(boundary)--\r\n".utf8) }
}

/// Small real files for tests.
public enum SampleFiles {
    /// A valid 3×2 RGB PNG (signature, IHDR, IDAT, IEND with correct CRCs).
    public static let png3x2: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0x12, 0x16, 0xF1, 0x4D, 0x00, 0x00, 0x00, 0x10, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0x00, 0x41, 0x0C, 0x70, 0x16, 0x00, 0x41, 0xD2, 0x05, 0xFB, 0x87, 0xF0, 0xB9, 0x48, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
    /// An MPEG-1 layer III frame header followed by silence.
    public static let mp3: [UInt8] = [0xFF, 0xFB, 0x90, 0x64] + [UInt8](repeating: 0, count: 413)
    public static let html: [UInt8] = Array("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>".utf8)
}
