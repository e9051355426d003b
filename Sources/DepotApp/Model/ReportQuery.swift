/// Which materials a report covers: created in [start, end), optionally of one mall.
package struct ReportQuery: Sendable, Equatable {
    /// Seconds since 1970, UTC.
    package var start: Int64
    /// Exclusive.
    package var end: Int64
    package var mallID: Int64?

    package init(start: Int64, end: Int64, mallID: Int64? = nil) {
        self.start = start
        self.end = end
        self.mallID = mallID
    }
}
