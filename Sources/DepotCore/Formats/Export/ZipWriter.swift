import Foundation

/// Writes a zip archive front to back (APPNOTE 6.3): each entry's local header, its deflated data,
/// then a data descriptor with CRC and sizes, which the central directory repeats. Conservative on
/// purpose: version 20, no zip64, no extra fields, so Excel does not offer to "repair" the file.
package final class ZipWriter {
    private struct Entry {
        var name: [UInt8]
        var offset: UInt32
        var crc: UInt32
        var compressed: UInt32
        var uncompressed: UInt32
    }

    private let sink: any ByteSink
    private let deflater: any StreamingDeflater
    private var offset: Int64 = 0
    private var entries: [Entry] = []
    private var current: (name: [UInt8], offset: Int64, crc: UInt32, compressed: Int64, uncompressed: Int64)?
    private let dosTime: UInt16
    private let dosDate: UInt16

    package init(sink: any ByteSink, deflater: any StreamingDeflater, date: Date = Date()) {
        self.sink = sink
        self.deflater = deflater
        (self.dosTime, self.dosDate) = CivilTime.local(date).dos
    }

    package func beginEntry(_ name: String) throws {
        let nameBytes = Array(name.utf8)
        var header = ByteWriter()
        header.u32(0x0403_4B50)
        header.u16(20)  // version needed: 2.0 (deflate)
        header.u16(0x0008)  // sizes and CRC follow in a data descriptor
        header.u16(8)  // deflate
        header.u16(self.dosTime)
        header.u16(self.dosDate)
        header.u32(0)
        header.u32(0)
        header.u32(0)
        header.u16(UInt16(nameBytes.count))
        header.u16(0)
        header.bytes += nameBytes
        self.current = (nameBytes, self.offset, 0, 0, 0)
        try self.deflater.reset()
        try self.emit(header.bytes)
    }

    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard var entry = self.current else { return }
        entry.crc = self.deflater.crc32(entry.crc, bytes)
        entry.uncompressed += Int64(bytes.count)
        var compressed: Int64 = 0
        try self.deflater.deflate(bytes, finish: false) { chunk in
            compressed += Int64(chunk.count)
            try self.sink.write(chunk)
        }
        entry.compressed += compressed
        self.offset += compressed
        self.current = entry
    }

    package func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try self.write($0) } }

    package func endEntry() throws {
        guard var entry = self.current else { return }
        var compressed: Int64 = 0
        try self.deflater.deflate(UnsafeRawBufferPointer(start: nil, count: 0), finish: true) { chunk in
            compressed += Int64(chunk.count)
            try self.sink.write(chunk)
        }
        entry.compressed += compressed
        self.offset += compressed
        guard entry.compressed < 0xFFFF_FFFF, entry.uncompressed < 0xFFFF_FFFF, entry.offset < 0xFFFF_FFFF else { throw ZipError.tooLarge }
        var descriptor = ByteWriter()
        descriptor.u32(0x0807_4B50)
        descriptor.u32(entry.crc)
        descriptor.u32(UInt32(entry.compressed))
        descriptor.u32(UInt32(entry.uncompressed))
        try self.emit(descriptor.bytes)
        self.entries.append(Entry(name: entry.name, offset: UInt32(entry.offset), crc: entry.crc, compressed: UInt32(entry.compressed), uncompressed: UInt32(entry.uncompressed)))
        self.current = nil
    }

    /// Writes a whole entry at once.
    package func add(_ name: String, _ text: String) throws {
        try self.beginEntry(name)
        try self.write(Array(text.utf8))
        try self.endEntry()
    }

    /// The central directory and its end record.
    package func finish() throws {
        let start = self.offset
        var directory = ByteWriter()
        for entry in self.entries {
            directory.u32(0x0201_4B50)
            directory.u16(20)  // made by: MS-DOS, 2.0
            directory.u16(20)
            directory.u16(0x0008)
            directory.u16(8)
            directory.u16(self.dosTime)
            directory.u16(self.dosDate)
            directory.u32(entry.crc)
            directory.u32(entry.compressed)
            directory.u32(entry.uncompressed)
            directory.u16(UInt16(entry.name.count))
            directory.u16(0)
            directory.u16(0)
            directory.u16(0)
            directory.u16(0)
            directory.u32(0)
            directory.u32(entry.offset)
            directory.bytes += entry.name
        }
        guard start + Int64(directory.bytes.count) < 0xFFFF_FFFF, self.entries.count < 0xFFFF else { throw ZipError.tooLarge }
        var end = ByteWriter()
        end.u32(0x0605_4B50)
        end.u16(0)
        end.u16(0)
        end.u16(UInt16(self.entries.count))
        end.u16(UInt16(self.entries.count))
        end.u32(UInt32(directory.bytes.count))
        end.u32(UInt32(start))
        end.u16(0)
        try self.emit(directory.bytes + end.bytes)
    }

    private func emit(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try self.sink.write($0) }
        self.offset += Int64(bytes.count)
    }
}
