import Glibc

/// What the parser found.
package enum MultipartEvent: Sendable, Equatable {
    case partBegin(MultipartPartHead)
    /// Body bytes of the current part; valid until the next call on the parser.
    case body(ArraySlice<UInt8>)
    case partEnd
    /// The closing delimiter was seen; anything after it (the epilogue) is ignored.
    case end
}
