import DepotCore
import Foundation
import Testing

/// Inputs the fuzz targets (Tests/Fuzz, scripts/fuzz) found, kept as plain regression tests.
@Suite struct FuzzFindingsTests {
    @Test(arguments: ["7777777777777777777.7777", "77777777777777777.7777777", "1e300", "-0.0", "123456789012345678", "0.1"])
    func jsonNumbersSurviveARoundTrip(text: String) throws {
        let value = try JSONValue.parse(Array(text.utf8))
        let again = try JSONValue.parse(Array(value.serialized.utf8))
        #expect(again == value, "\(text) -> \(value.serialized) -> \(again.serialized)")
    }

    @Test(arguments: ["..\u{0603}/..\u{0603}/evil.txt", "\u{FFFD}\u{0603}\u{0603}/", "a\u{0600}\\..\u{0600}\\b", "\u{110BD}/x"])
    func aPrependedMarkCannotHideASlash(name: String) {
        // Found by the disposition target: the slash hid inside a grapheme cluster.
        let clean = StorageNaming.sanitizeFilename(name)
        #expect(clean.map { !$0.contains("/") && !$0.contains("\\") && $0 != ".." } ?? true, "\(String(describing: clean))")
    }
}

@Suite struct ISOBoxFindingsTests {
    func be32(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
    func box(_ type: String, _ payload: [UInt8]) -> [UInt8] { be32(UInt32(8 + payload.count)) + Array(type.utf8) + payload }

    @Test func onlyTheTopLevelMetaBoxDescribesTheImage() {
        // Found by the sniff target: a second, top-level iprp (outside meta) with its own crop made a
        // prefix and the whole file disagree. Only meta's properties count.
        let ispe = box("ispe", [0, 0, 0, 0] + be32(64) + be32(64))
        let badCrop = box("clap", be32(23) + be32(0) + be32(17) + be32(0) + [UInt8](repeating: 0, count: 16))  // zero denominators
        let goodCrop = box("clap", be32(23) + be32(1) + be32(17) + be32(1) + [UInt8](repeating: 0, count: 16))
        let file = box("ftyp", Array("heic".utf8) + be32(0) + Array("mif1heic".utf8))
            + box("meta", [0, 0, 0, 0] + box("iprp", box("ipco", ispe + badCrop)))
            + box("iprp", box("ipco", ispe + goodCrop))
        let whole = ContentSniffer.sniff(file)
        #expect(whole.width == 64 && whole.height == 64)
        for length in 1..<file.count {
            let part = ContentSniffer.sniff(Array(file.prefix(length)))
            if part.kind == .image { #expect(part == whole, "prefix \(length)") }
        }
    }
}

extension ISOBoxFindingsTests {
    /// The sniff target's crash inputs, kept as they were found: every prefix that names an image
    /// must agree with the whole file.
    @Test(arguments: ["fuzz-sniff-overflowing-box.heic", "fuzz-sniff-stray-iprp.heic", "fuzz-sniff-open-ended-meta.avif"])
    func foundInputsAgreeAtEveryPrefix(name: String) throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
        let file = Array(try Data(contentsOf: url))
        let whole = ContentSniffer.sniff(file)
        for length in 1..<file.count {
            let part = ContentSniffer.sniff(Array(file.prefix(length)))
            if part.kind == .image { #expect(part == whole, "prefix \(length): \(part) vs \(whole)") }
        }
    }
}

@Suite struct StoredPathTests {
    @Test(arguments: ["/a/b.txt", "/cms/2026-01-01/x y.png", "/a/b/c/d/2026-01-01/名.txt"])
    func safe(path: String) { #expect(StorageNaming.isSafeStoredPath(path)) }

    @Test(arguments: ["a/b", "/", "/a//b", "/a/../b", "/a/./b", "/a/b/..", "/a\\b", "/a/b\u{0}c", ""])
    func unsafe(path: String) { #expect(!StorageNaming.isSafeStoredPath(path)) }
}
