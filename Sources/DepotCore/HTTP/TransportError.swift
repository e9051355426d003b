package enum TransportError: Error, Sendable, Equatable {
    /// The peer closed the connection or the stream reported an error.
    case peerGone
    /// The body ended before its declared Content-Length.
    case truncated
}
