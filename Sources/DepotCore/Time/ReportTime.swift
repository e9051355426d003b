import Foundation
import Glibc

/// The time parameters of a report: ISO 8601 (`2026-11-21T10:00:00Z`, with an offset, or without a
/// zone meaning server local time), `YYYY-MM-DD` and `YYYY-MM-DD HH:MM:SS` (server local time).
package enum ReportTime {
    /// - Returns: seconds since 1970 (UTC), or nil when the text is none of the accepted forms.
    package static func parse(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int32? {
            guard range.upperBound <= bytes.count else { return nil }
            var value: Int32 = 0
            for index in range {
                guard bytes[index] >= 48 && bytes[index] <= 57 else { return nil }
                value = value * 10 + Int32(bytes[index] - 48)
            }
            return value
        }
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_isdst = -1
        if bytes.count == 10 { return localSeconds(&parts, day: day) }
        guard bytes.count >= 19, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            hour < 24, minute < 60, second < 61
        else { return nil }
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        var index = 19
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {  // fractions are ignored
            index += 1
            while index < bytes.count, bytes[index] >= 48 && bytes[index] <= 57 { index += 1 }
        }
        if index == bytes.count { return localSeconds(&parts, day: day) }
        let utc = Int64(timegm(&parts))
        if bytes[index] == UInt8(ascii: "Z") && index + 1 == bytes.count { return utc }
        guard bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-"), bytes.count == index + 6,
            bytes[index + 3] == UInt8(ascii: ":"), let offsetHours = number((index + 1)..<(index + 3)),
            let offsetMinutes = number((index + 4)..<(index + 6))
        else { return nil }
        let offset = Int64(offsetHours) * 3600 + Int64(offsetMinutes) * 60
        return bytes[index] == UInt8(ascii: "+") ? utc - offset : utc + offset
    }

    private static func localSeconds(_ parts: inout tm, day: Int32) -> Int64? {
        let seconds = mktime(&parts)
        // mktime normalises 2026-02-31 into March; such a date is not a date.
        guard seconds != -1, parts.tm_mday == day else { return nil }
        return Int64(seconds)
    }

    /// The stored form of a time: ISO 8601 UTC, which sorts like time.
    package static func storedText(_ seconds: Int64) -> String {
        CivilTime.utc(seconds).iso8601
    }
}
