import Glibc

/// The head of one part: its headers and parsed Content-Disposition.
package struct MultipartPartHead: Sendable, Equatable {
    package var headers: [(name: String, value: String)]
    package var disposition: ContentDisposition
    package var name: String { self.disposition.name ?? "" }
    /// The original file name as sent (nil for a text field).
    package var filename: String? { self.disposition.filename }
    package var contentType: String? { self.headers.first { $0.name == "content-type" }?.value }
    package var isFile: Bool { self.filename != nil }

    package static func == (lhs: MultipartPartHead, rhs: MultipartPartHead) -> Bool {
        lhs.disposition == rhs.disposition && lhs.headers.elementsEqual(rhs.headers) { $0 == $1 }
    }
}
