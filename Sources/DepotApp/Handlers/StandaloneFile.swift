import DepotCore
import DepotSystem
import Foundation

/// Serving a file without nginx (`downloads.accel = off`, CGI): Content-Length, one Range, ETag.
enum StandaloneFile {
    /// - Parameters:
    ///   - etag: the validator; by default the content hash and the size.
    ///   - extraHeaders: sent on every answer but a refused range (`Vary`).
    static func send(record: ServedFile, plan: DownloadPlan, context: RequestContext, etag: String? = nil, extraHeaders: [(String, String)] = []) throws {
        let path = context.services.storage.absolute(record.path)
        guard let file = try? FileDescriptor.open(path, O_RDONLY) else { throw APIError(.notFound, "the file is missing from storage") }
        defer { file.close() }
        let status = try file.status()
        let size = Int64(status.st_size)
        // Strong validator: content hash plus size (the bytes of a path never change in place
        // without a new row, but an overwrite gives a new hash).
        let etag = etag ?? "\"\(record.sha256.prefix(32))-\(size)\""
        var head = ResponseHead(status: 200)
        head.add("Content-Type", plan.contentType)
        head.add("Content-Disposition", plan.contentDisposition)
        head.add("ETag", etag)
        head.add("Last-Modified", CivilTime.utc(Int64(status.st_mtim.tv_sec)).httpDate)
        head.add("Accept-Ranges", "bytes")
        head.add("Cache-Control", "private, no-cache")
        head.add("X-Content-Type-Options", "nosniff")
        for (name, value) in extraHeaders { head.add(name, value) }
        if plan.isActiveContent { head.add("Content-Security-Policy", "sandbox") }
        if let match = context.head.headers["if-none-match"], match.split(separator: ",").contains(where: { $0.trimmingWhitespace() == etag || $0.trimmingWhitespace() == "*" }) {
            head.status = 304
            try context.response.sendHead(head)
            return
        }
        var start: Int64 = 0
        var length = size
        switch ByteRange.resolve(context.head.headers["range"], size: size) {
        case .whole: break
        case .partial(let first, let last):
            head.status = 206
            head.add("Content-Range", "bytes \(first)-\(last)/\(size)")
            start = first
            length = last - first + 1
        case .unsatisfiable:
            var refused = ResponseHead(status: 416)
            refused.add("Content-Range", "bytes */\(size)")
            refused.add("Content-Length", "0")
            try context.response.sendHead(refused)
            return
        }
        head.add("Content-Length", String(length))
        try context.response.sendHead(head)
        if context.head.methodName == "HEAD" { return }
        var buffer = [UInt8](repeating: 0, count: Int(min(length, 256 * 1024)) + 1)
        var offset = start
        var remaining = length
        while remaining > 0 {
            let want = Int(min(Int64(buffer.count), remaining))
            let got = try buffer.withUnsafeMutableBytes { raw in
                try file.read(fromAbsoluteOffset: offset, into: UnsafeMutableRawBufferPointer(rebasing: raw[..<want]))
            }
            // The file shrank under us: the length is already promised, so cut the response.
            guard got > 0 else { throw APIError(.internalError, "the file changed while it was sent") }
            try buffer.withUnsafeBytes { try context.response.write(UnsafeRawBufferPointer(rebasing: $0[..<got])) }
            offset += Int64(got)
            remaining -= Int64(got)
        }
    }
}
