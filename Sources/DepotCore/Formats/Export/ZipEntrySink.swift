/// Feeds a zip entry from a `BufferedOutput`.
final class ZipEntrySink: ByteSink {
    let zip: ZipWriter
    init(zip: ZipWriter) { self.zip = zip }
    func write(_ bytes: UnsafeRawBufferPointer) throws { try self.zip.write(bytes) }
}
