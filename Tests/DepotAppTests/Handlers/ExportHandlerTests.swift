import DepotApp
import DepotCore
import Foundation
import Testing

/// `GET|POST /api/reports/export`, in process: the rows come from the store's report cursor.
@Suite struct ExportHandlerTests {
    private func seeded() throws -> InProcessApp {
        let test = try InProcessApp()
        for mall in [3, 4] {
            let response = test.upload("/api/malls/\(mall)/materials", InProcessApp.Form { $0.file("f", filename: "m\(mall).png", TestImages.png(width: 5, height: 6)) })
            #expect(response.status == 200)
        }
        return test
    }

    @Test func csvHasAHeaderAndOneLinePerMaterialInTheRange() throws {
        let test = try seeded()
        let response = test.request("GET", "/api/reports/export?start_time=2000-01-01&end_time=2100-01-01&format=csv")
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "text/csv; charset=utf-8")
        #expect(response.header("Content-Disposition")?.contains("attachment") == true)
        let lines = response.text.split(whereSeparator: \.isNewline)
        #expect(lines.count == 3, "\(response.text)")
        #expect(lines.dropFirst().contains { $0.contains("m3.png") } && lines.dropFirst().contains { $0.contains("m4.png") })
        let onlyMall4 = test.request("POST", "/api/reports/export", body: Array(#"{"start_time": "2000-01-01", "end_time": "2100-01-01", "format": "csv", "mall_id": 4}"#.utf8), contentType: "application/json")
        #expect(onlyMall4.text.split(whereSeparator: \.isNewline).count == 2)
        #expect(!onlyMall4.text.contains("m3.png"))
        let empty = test.request("GET", "/api/reports/export?start_time=2000-01-01&end_time=2000-01-02&format=csv")
        #expect(empty.text.split(whereSeparator: \.isNewline).count == 1)
    }

    @Test func xlsxAndXlsAreWholeDocuments() throws {
        let test = try seeded()
        let xlsx = test.request("GET", "/api/reports/export?start_time=2000-01-01&end_time=2100-01-01")
        #expect(xlsx.status == 200 && Array(xlsx.body.prefix(4)) == [0x50, 0x4B, 0x03, 0x04])
        let xls = test.request("GET", "/api/reports/export?start_time=2000-01-01&end_time=2100-01-01&format=xls")
        #expect(xls.status == 200 && Array(xls.body.prefix(4)) == [0xD0, 0xCF, 0x11, 0xE0])
        #expect(xls.body.count % 512 == 0)
    }

    @Test(arguments: [
        "", "start_time=2000-01-01", "start_time=x&end_time=2000-01-02", "start_time=2000-01-02&end_time=2000-01-01",
        "start_time=2000-01-01&end_time=2000-01-02&format=pdf", "start_time=2000-01-01&end_time=2000-01-02&mall_id=-1",
        "start_time=2000-02-31&end_time=2000-03-02",
    ])
    func badParametersAre400(query: String) throws {
        let test = try InProcessApp()
        let response = test.request("GET", "/api/reports/export?\(query)")
        #expect(response.status == 400 && response.code == 40000, "\(query): \(response.text)")
    }
}
