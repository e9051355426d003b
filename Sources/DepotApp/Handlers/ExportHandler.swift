import DepotCore
import DepotSystem
import Foundation

/// `GET|POST /api/reports/export`: the materials in [start_time, end_time) as xlsx, csv or xls,
/// generated while it is sent.
enum ExportHandler {
    static let routes: [Route] = [
        Route(
            method: .get, path: "/api/reports/export", operationID: "exportReportGet",
            summary: "Streams a report of the materials created in [start_time, end_time).", query: queryParameters,
            responses: responses, handler: export),
        Route(
            method: .post, path: "/api/reports/export", operationID: "exportReport",
            summary: "As GET, with the parameters in a JSON body.", query: queryParameters, requestBody: ["application/json"],
            responses: responses, needsToken: false, handler: export),
    ]

    static let queryParameters: [Route.QueryParameter] = [
        .init("start_time", "string", required: true, "ISO 8601, YYYY-MM-DD or YYYY-MM-DD HH:MM:SS (server local time)"),
        .init("end_time", "string", required: true, "exclusive end, same forms"), .init("format", "string", "xlsx (default), csv or xls"),
        .init("filename", "string", "download name (may be non-ASCII); the extension is added"), .init("mall_id", "integer", "only this mall"),
    ]

    static let responses: [Route.Response] = [
        .init(200, "the report", mediaTypes: ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv; charset=utf-8", "application/vnd.ms-excel"]),
        .init(400, "code 40000: required parameters missing, or malformed"),
    ]

    enum Format: String {
        case xlsx, csv, xls

        var contentType: String {
            switch self {
            case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            case .csv: "text/csv; charset=utf-8"
            case .xls: "application/vnd.ms-excel"
            }
        }
    }

    struct Request {
        var start: Int64
        var end: Int64
        var format: Format
        var filename: String
        var mallID: Int64?
    }

    static func parameters(_ context: RequestContext) throws -> Request {
        var values: [String: String] = [:]
        for (name, value) in context.head.query { if let value { values[name] = value } }
        if context.head.method == .post, (context.head.contentLength ?? 0) > 0, case .object(let members)? = try context.jsonObject() {
            for (name, value) in members {
                switch value {
                case .string(let text): values[name] = text
                case .int(let number): values[name] = String(number)
                case .null: continue
                default: values[name] = value.serialized
                }
            }
        }
        guard let startText = values["start_time"], !startText.isEmpty, let endText = values["end_time"], !endText.isEmpty else {
            throw APIError(.paramsInvalid, "required parameters missing")
        }
        guard let start = ReportTime.parse(startText) else { throw APIError(.paramsInvalid, "start_time is not a time (use ISO 8601, YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)") }
        guard let end = ReportTime.parse(endText) else { throw APIError(.paramsInvalid, "end_time is not a time (use ISO 8601, YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)") }
        guard start <= end else { throw APIError(.paramsInvalid, "start_time is after end_time") }
        guard let format = Format(rawValue: (values["format"] ?? "xlsx").lowercased()) else {
            throw APIError(.paramsInvalid, "format must be xlsx, csv or xls")
        }
        var mallID: Int64?
        if let text = values["mall_id"], !text.isEmpty {
            guard let value = Int64(text), value > 0 else { throw APIError(.paramsInvalid, "mall_id must be a positive integer") }
            mallID = value
        }
        let fallback = "materials_\(startText)_\(endText)".replacingOccurrences(of: ":", with: "-").replacingOccurrences(of: " ", with: "_")
        var filename = values["filename"].flatMap(StorageNaming.sanitizeFilename) ?? StorageNaming.sanitizeFilename(fallback) ?? "materials"
        if StorageNaming.originalExtension(filename) != format.rawValue { filename += ".\(format.rawValue)" }
        return Request(start: start, end: end, format: format, filename: filename, mallID: mallID)
    }

    static func export(_ context: RequestContext) throws {
        let request = try parameters(context)
        var head = ResponseHead(status: 200)
        head.add("Content-Type", request.format.contentType)
        head.add("Content-Disposition", ContentDispositionHeader.make(inline: false, filename: request.filename))
        head.add("Cache-Control", "no-store")
        // nginx passes the bytes on as they come instead of buffering the whole report.
        head.add("X-Accel-Buffering", "no")
        try context.response.sendHead(head)
        try context.response.flush()
        let sink = ResponseSink(response: context.response)
        let query = ReportQuery(start: request.start, end: request.end, mallID: request.mallID)
        try context.services.persistence.readReport(query) { rows in
            switch request.format {
            case .csv:
                var writer = try CSVWriter(sink: sink)
                try rows.each { try writer.append($0) }
                try writer.finish()
            case .xlsx:
                var writer = try XLSXWriter(sink: sink, deflater: ZlibStreamDeflater(level: 1))
                try rows.each { try writer.append($0) }
                try writer.finish()
            case .xls:
                // Two passes over one snapshot: the compound file's head depends on the stream size.
                var measure = try XLSWriter(mode: .measure)
                try rows.each { try measure.append($0) }
                try measure.finish()
                var writer = try XLSWriter(mode: .write(sink, measure.layout))
                try rows.each { try writer.append($0) }
                try writer.finish()
            }
        }
    }
}
