import DepotCore
import Foundation
import Testing

@Suite struct CivilTimeTests {
    @Test func utcFieldsAndTheirFormats() {
        let time = CivilTime.utc(1_763_719_200)  // 2025-11-21T10:00:00Z, a Friday
        #expect(time.iso8601 == "2025-11-21T10:00:00Z")
        #expect(time.iso8601(milliseconds: 7) == "2025-11-21T10:00:00.007Z")
        #expect(time.date() == "2025-11-21")
        #expect(time.date(compact: true) == "20251121")
        #expect(time.httpDate == "Fri, 21 Nov 2025 10:00:00 GMT")
        #expect(time.utcOffset == 0)
        // RFC 9110's own example.
        #expect(CivilTime.utc(784_111_777).httpDate == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(CivilTime.utc(Date(timeIntervalSince1970: 1_763_719_200.9)).second == 0)
    }

    @Test func dosWordsAsZipHeadersCarryThem() {
        // 2025-11-21 10:00:58: seconds are stored halved.
        let dos = CivilTime.utc(1_763_719_258).dos
        #expect(dos.time == UInt16(10 << 11 | 0 << 5 | 29))
        #expect(dos.date == UInt16(45 << 9 | 11 << 5 | 21))
        // Before 1980 the year field clamps to 1980.
        #expect(CivilTime.utc(0).dos.date >> 9 == 0)
    }

    @Test func localFieldsAddTheOffset() {
        let seconds: Int64 = 1_763_719_200
        let local = CivilTime.local(seconds)
        let utc = CivilTime.utc(seconds + local.utcOffset)
        #expect((local.year, local.month, local.day, local.hour, local.minute) == (utc.year, utc.month, utc.day, utc.hour, utc.minute))
        #expect(StorageNaming.dateFolder(Date(timeIntervalSince1970: Double(seconds))) == local.date())
    }
}
