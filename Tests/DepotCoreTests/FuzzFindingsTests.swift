import DepotCore
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

@Suite struct StoredPathTests {
    @Test(arguments: ["/a/b.txt", "/cms/2026-01-01/x y.png", "/a/b/c/d/2026-01-01/名.txt"])
    func safe(path: String) { #expect(StorageNaming.isSafeStoredPath(path)) }

    @Test(arguments: ["a/b", "/", "/a//b", "/a/../b", "/a/./b", "/a/b/..", "/a\\b", "/a/b\u{0}c", ""])
    func unsafe(path: String) { #expect(!StorageNaming.isSafeStoredPath(path)) }
}
