// Written from the FastCGI 1.0 specification (Open Market, 1996), sections 3 and 5,
// independently of the responder's code and of libfcgi.

/// Record types (spec §8).
public enum FastCGIRecordType: UInt8, Sendable {
    case beginRequest = 1
    case abortRequest = 2
    case endRequest = 3
    case params = 4
    case stdin = 5
    case stdout = 6
    case stderr = 7
    case data = 8
    case getValues = 9
    case getValuesResult = 10
    case unknownType = 11
}

/// Encodes and decodes FastCGI records and name-value pairs.
public enum FastCGIRecord {
    public static let version: UInt8 = 1
    public static let maxContentLength = 65535

    /// One record: 8-byte header, content, padding to a multiple of 8.
    public static func encode(type: FastCGIRecordType, requestID: UInt16 = 1, content: ArraySlice<UInt8>) -> [UInt8] {
        precondition(content.count <= maxContentLength)
        let padding = (8 - content.count % 8) % 8
        var out: [UInt8] = [
            version, type.rawValue, UInt8(requestID >> 8), UInt8(requestID & 0xFF),
            UInt8(content.count >> 8), UInt8(content.count & 0xFF), UInt8(padding), 0,
        ]
        out += content
        out += [UInt8](repeating: 0, count: padding)
        return out
    }

    /// A stream (PARAMS, STDIN) as records of at most 65535 bytes, closed by an empty record.
    public static func encodeStream(type: FastCGIRecordType, requestID: UInt16 = 1, bytes: [UInt8], close: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + maxContentLength, bytes.count)
            out += encode(type: type, requestID: requestID, content: bytes[offset..<end])
            offset = end
        }
        if close { out += encode(type: type, requestID: requestID, content: []) }
        return out
    }

    /// FCGI_BEGIN_REQUEST for the responder role; `keepConnection` sets FCGI_KEEP_CONN.
    public static func beginRequest(requestID: UInt16 = 1, keepConnection: Bool = false) -> [UInt8] {
        let body: [UInt8] = [0, 1, keepConnection ? 1 : 0, 0, 0, 0, 0, 0]
        return encode(type: .beginRequest, requestID: requestID, content: body[...])
    }

    /// Name-value pairs (spec §3.4): lengths under 128 in one byte, else four with the high bit set.
    public static func encodePairs(_ pairs: [(String, String)]) -> [UInt8] {
        var out: [UInt8] = []
        for (name, value) in pairs {
            let nameBytes = Array(name.utf8)
            let valueBytes = Array(value.utf8)
            out += encodeLength(nameBytes.count)
            out += encodeLength(valueBytes.count)
            out += nameBytes
            out += valueBytes
        }
        return out
    }

    public static func encodeLength(_ length: Int) -> [UInt8] {
        if length < 128 { return [UInt8(length)] }
        return [UInt8((length >> 24) & 0x7F) | 0x80, UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)]
    }
}
