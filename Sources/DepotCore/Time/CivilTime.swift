import Foundation
import Glibc

/// A moment broken into calendar fields, in UTC or in the server's local time: the one home of
/// every date format Depot writes (contract timestamps, storage folders, HTTP dates, log lines,
/// zip entry dates, report offsets).
///
/// libc's `gmtime_r`/`localtime_r`, not Foundation's `Calendar`: on Linux that costs an ICU set-up
/// per call, and these run on every upload.
package struct CivilTime: Sendable, Equatable {
    package var year: Int
    /// 1–12.
    package var month: Int
    /// 1–31.
    package var day: Int
    package var hour: Int
    package var minute: Int
    package var second: Int
    /// 0 = Sunday.
    package var weekday: Int
    /// Seconds east of UTC (0 for `utc`).
    package var utcOffset: Int64

    /// The UTC fields of `seconds` since 1970.
    package static func utc(_ seconds: Int64) -> CivilTime {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return CivilTime(parts)
    }

    /// The UTC fields of a `Date` (whole seconds).
    package static func utc(_ date: Date) -> CivilTime { utc(Int64(date.timeIntervalSince1970.rounded(.down))) }

    /// The server-local fields of a `Date` (whole seconds).
    package static func local(_ date: Date) -> CivilTime { local(Int64(date.timeIntervalSince1970.rounded(.down))) }

    /// The server-local fields of `seconds` since 1970 (the TZ environment decides).
    package static func local(_ seconds: Int64) -> CivilTime {
        var time = time_t(seconds)
        var parts = tm()
        localtime_r(&time, &parts)
        return CivilTime(parts)
    }

    private init(_ parts: tm) {
        self.year = Int(parts.tm_year) + 1900
        self.month = Int(parts.tm_mon) + 1
        self.day = Int(parts.tm_mday)
        self.hour = Int(parts.tm_hour)
        self.minute = Int(parts.tm_min)
        self.second = Int(parts.tm_sec)
        self.weekday = Int(parts.tm_wday)
        self.utcOffset = Int64(parts.tm_gmtoff)
    }

    /// `2026-11-21T10:00:00Z`: the contract's times (meaningful for `utc` values).
    package var iso8601: String {
        "\(Self.pad(self.year, 4))-\(Self.pad(self.month, 2))-\(Self.pad(self.day, 2))T"
            + "\(Self.pad(self.hour, 2)):\(Self.pad(self.minute, 2)):\(Self.pad(self.second, 2))Z"
    }

    /// As `iso8601`, with milliseconds: `2026-11-21T10:00:00.123Z` (log lines).
    package func iso8601(milliseconds: Int) -> String {
        String(self.iso8601.dropLast()) + "." + Self.pad(milliseconds, 3) + "Z"
    }

    /// `2026-11-21`, or `20261121` when `compact`.
    package func date(compact: Bool = false) -> String {
        compact
            ? "\(Self.pad(self.year, 4))\(Self.pad(self.month, 2))\(Self.pad(self.day, 2))"
            : "\(Self.pad(self.year, 4))-\(Self.pad(self.month, 2))-\(Self.pad(self.day, 2))"
    }

    /// IMF-fixdate (RFC 9110 §5.6.7): `Sun, 06 Nov 1994 08:49:37 GMT` (meaningful for `utc` values).
    package var httpDate: String {
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(days[self.weekday]), \(Self.pad(self.day, 2)) \(months[self.month - 1]) \(Self.pad(self.year, 4)) "
            + "\(Self.pad(self.hour, 2)):\(Self.pad(self.minute, 2)):\(Self.pad(self.second, 2)) GMT"
    }

    /// MS-DOS time and date words, as zip headers carry them (years before 1980 clamp to 1980).
    package var dos: (time: UInt16, date: UInt16) {
        let time = UInt16(self.hour) << 11 | UInt16(self.minute) << 5 | UInt16(self.second / 2)
        let date = UInt16(max(0, self.year - 1980)) << 9 | UInt16(self.month) << 5 | UInt16(self.day)
        return (time, date)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
