import DepotSystem
import Testing

@Suite struct FileSystemTests {
    @Test(arguments: [
        ("/srv/depot/mall/2026-11-21/a.png", "/srv/depot/mall/2026-11-21"),
        ("/a", "/"),
        ("a", "."),
        ("dir/file", "dir"),
        ("/srv/报表/文件.xlsx", "/srv/报表"),
    ])
    func parentDirectoryIsTheTextBeforeTheLastSlash(path: String, parent: String) {
        #expect(FileSystem.parentDirectory(of: path) == parent)
    }
}
