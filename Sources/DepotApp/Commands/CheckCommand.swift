import DepotSystem
import Foundation
import Glibc

/// `depot check [--deep] [--repair]`: runs `StoreCheck`, prints each problem and a summary.
package enum CheckCommand {
    /// - Returns: the exit status: 0 when the store is consistent (after repair, if asked), 1 when
    ///   not, 2 when the check itself could not run.
    package static func run(config: Config, deep: Bool, repair: Bool) -> Int32 {
        let terminal = isatty(STDERR_FILENO) == 1
        let progress: (Int, Int) -> Void = { rows, files in
            if terminal { FileHandle.standardError.write(Data("\rchecked \(rows) rows, \(files) files".utf8)) }
        }
        let check = StoreCheck(config: config, deep: deep, progress: progress)
        let database = config.databaseURL.isEmpty ? config.databasePath : PersistenceFactory.maskedURL(config.databaseURL)
        print("depot check: storage \(config.storageRoot), database \(database)\(deep ? ", deep" : "")")
        do {
            var report = try check.run()
            if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            for problem in report.problems { print(problem) }
            print("\(report.rows) rows, \(report.files) files: \(report.isConsistent ? "consistent" : "\(report.problems.count) problems")")
            if repair && !report.isConsistent {
                for line in try check.repair(report, config: config) { print("repaired: \(line)") }
                report = try check.run()
                if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
                for problem in report.problems { print("still: \(problem)") }
                print("after repair: \(report.isConsistent ? "consistent" : "\(report.problems.count) problems left")")
            }
            return report.isConsistent ? 0 : 1
        } catch {
            print("depot check failed: \(error)")
            return 2
        }
    }
}
