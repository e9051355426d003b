import DepotCore
import Foundation
import Testing

@Suite struct StorageNamingTests {
    @Test(arguments: ["cms", "cms/template", "a/b/c/d", "a_b-9", String(repeating: "x", count: 64)])
    func allowedNamespaces(namespace: String) {
        #expect(StorageNaming.namespace(raw: namespace) == namespace)
    }

    @Test(arguments: ["", "/", "a/", "/a", "a//b", "..", "a/../b", "%2e%2e", "A", "a.b", "a/b/c/d/e", "a\\b", "a%2Fb", "é", String(repeating: "x", count: 65)])
    func refusedNamespaces(namespace: String) {
        #expect(StorageNaming.namespace(raw: namespace) == nil)
    }

    @Test func filenames() {
        #expect(StorageNaming.sanitizeFilename("../../etc/passwd") == "passwd")
        #expect(StorageNaming.sanitizeFilename("C:\\x\\a.txt") == "a.txt")
        #expect(StorageNaming.sanitizeFilename("a\u{0}b\u{7}c.txt") == "abc.txt")
        #expect(StorageNaming.sanitizeFilename("evil\u{202E}gnp.exe") == "evilgnp.exe")
        #expect(StorageNaming.sanitizeFilename("cafe\u{301}.txt") == "caf\u{E9}.txt")  // NFC
        #expect(StorageNaming.sanitizeFilename("cafe\u{301}.txt")?.unicodeScalars.count == 8)
        #expect(StorageNaming.sanitizeFilename("..") == nil)
        #expect(StorageNaming.sanitizeFilename("dir/") == nil)
        #expect(StorageNaming.sanitizeFilename("   ") == nil)
        let long = String(repeating: "é", count: 200) + ".jpeg"
        let cut = StorageNaming.sanitizeFilename(long)!
        #expect(cut.utf8.count <= 255 && cut.hasSuffix(".jpeg"))
    }

    @Test func extensions() {
        #expect(StorageNaming.originalExtension("Photo.JPG") == "jpg")
        #expect(StorageNaming.originalExtension("archive.tar.gz") == "gz")
        #expect(StorageNaming.originalExtension(".bashrc") == nil)
        #expect(StorageNaming.originalExtension("a.toolongextension") == nil)
        #expect(StorageNaming.originalExtension("a.ph p") == nil)
        let png = ContentSniffer.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1])
        #expect(StorageNaming.storedExtension(sniffed: png, originalName: "x.exe") == "png")
        #expect(StorageNaming.storedExtension(sniffed: .unknownBinary, originalName: "x.DAT") == "dat")
        #expect(StorageNaming.storedExtension(sniffed: .unknownBinary, originalName: "x") == nil)
    }

    @Test func dates() {
        let date = Date(timeIntervalSince1970: 1_763_719_200)  // 2025-11-21T10:00:00Z
        #expect(StorageNaming.dateFolder(date).count == 10)
        #expect(StorageNaming.dateFolder(date, compact: true).count == 8)
    }

    @Test func randomUUIDsAreVersion4AndDistinct() {
        let ids = (0..<1000).map { _ in StorageNaming.randomUUID() }
        #expect(Set(ids).count == 1000)
        for id in ids.prefix(50) {
            #expect(id.count == 36)
            let parsed = UUID(uuidString: id)
            #expect(parsed != nil)
            #expect(parsed?.uuidString.lowercased() == id)
            let characters = Array(id)
            #expect(characters[14] == "4")
            #expect("89ab".contains(characters[19]))
        }
    }

    @Test func timeOrderedUUIDsCarryTheMillisecondsAndSortByTime() {
        // 2025-11-21T10:00:00.125Z = 1763719200125 ms = 0x019A_A5DB_3D7D
        let date = Date(timeIntervalSince1970: 1_763_719_200.125)
        let id = StorageNaming.timeOrderedUUID(at: date)
        #expect(id.count == 36)
        #expect(UUID(uuidString: id)?.uuidString.lowercased() == id)
        #expect(id.hasPrefix("019aa5db-3d7d-7"))
        #expect("89ab".contains(Array(id)[19]))
        let later = (0..<200).map { StorageNaming.timeOrderedUUID(at: date.addingTimeInterval(Double(2 * ($0 + 1)) / 1000)) }
        #expect(later == later.sorted())
        #expect(later.allSatisfy { $0 > id })
        // Same millisecond: still distinct (74 random bits).
        #expect(Set((0..<1000).map { _ in StorageNaming.timeOrderedUUID(at: date) }).count == 1000)
    }
}
