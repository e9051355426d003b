import DepotCore
import DepotSystem
import Foundation

/// Drives the multipart parser over a request body in one pass: file parts to temp files (hashed and
/// sniffed on the way), text fields to `FormFields`. Nothing is placed in storage here; temp files
/// delete themselves if the request fails.
enum UploadReceiver {
    static let readSize = 1 << 20

    static func receive(_ context: RequestContext) throws -> (files: [ReceivedFile], fields: FormFields) {
        guard let contentType = context.head.headers["content-type"],
            let boundary = MultipartParser.boundary(fromContentType: contentType)
        else {
            throw APIError(.parserFailed, "the request body is not multipart/form-data")
        }
        let services = context.services
        var parser = try MultipartParser(boundary: boundary, limits: services.config.limits)
        let source = try RequestBodySource.of(context)
        let reader = source.reader
        var files: [ReceivedFile] = []
        var fields = FormFields()
        var current: MultipartPartHead?
        var currentTemp: TempFile?
        var fieldBytes: [UInt8] = []
        // Sized to the body: a 4 KiB upload should not allocate and zero a megabyte.
        let declared = context.head.contentLength ?? readSize
        var buffer = [UInt8](repeating: 0, count: max(16 * 1024, min(readSize, declared + 1024)))
        var finished = false
        while !finished {
            let got = try buffer.withUnsafeMutableBytes { try reader.read(into: $0) }
            if got == 0 { break }
            try buffer.withUnsafeBytes { try parser.append(UnsafeRawBufferPointer(rebasing: $0[..<got])) }
            while let event = try parser.next() {
                switch event {
                case .partBegin(let head):
                    current = head
                    fieldBytes.removeAll(keepingCapacity: true)
                    // An empty file input (filename="" and no bytes) is skipped, so its temp file is made lazily.
                    currentTemp = head.isFile && !(head.filename ?? "").isEmpty ? try services.storage.makeTempFile() : nil
                case .body(let bytes):
                    guard let head = current else { continue }
                    if head.isFile {
                        if currentTemp == nil { currentTemp = try services.storage.makeTempFile() }
                        try bytes.withUnsafeBytes { try currentTemp!.write($0) }
                    } else {
                        fieldBytes.append(contentsOf: bytes)
                    }
                case .partEnd:
                    guard let head = current else { continue }
                    if head.isFile {
                        if let temp = currentTemp {
                            let sha = try temp.finish(durable: services.config.durable)
                            files.append(ReceivedFile(field: head.name, originalName: head.filename ?? "", temp: temp, sha256: sha, sniff: ContentSniffer.sniff(temp.prefix)))
                        }
                    } else {
                        fields.add(name: head.name, bytes: fieldBytes, contentType: head.contentType)
                    }
                    current = nil
                    currentTemp = nil
                case .end:
                    finished = true
                }
            }
        }
        try parser.finish()
        return (files, fields)
    }
}
