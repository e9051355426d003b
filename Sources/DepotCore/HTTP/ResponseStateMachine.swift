/// The life of one response: `idle → streaming → finished`, or `aborted`.
///
/// Once the head is out a status can no longer change, so a failure after that point is an abort
/// (the connection is cut so the client sees a truncated body), never a 500.
package struct ResponseStateMachine: Sendable {
    package enum State: Sendable, Equatable {
        case idle
        case streaming
        case finished
        case aborted
    }

    package enum Action: Sendable, Equatable {
        /// Write the head (then the body bytes, if any).
        case writeHead
        /// Write body bytes.
        case writeBody
        /// Nothing to send: an empty body chunk, or a second `finish`.
        case nothing
        /// Send an error response in place of the failed handler's.
        case sendErrorResponse
        /// The head is out: cut the connection instead of answering.
        case abortConnection
    }

    package enum Misuse: Error, Sendable, Equatable {
        case headAlreadySent
        case bodyBeforeHead
        case writeAfterEnd
    }

    package private(set) var state: State = .idle

    package init() {}

    package var headSent: Bool { self.state != .idle }

    /// The handler wants to send its head.
    package mutating func sendHead() throws(Misuse) -> Action {
        guard self.state == .idle else { throw .headAlreadySent }
        self.state = .streaming
        return .writeHead
    }

    /// The handler wants to send body bytes.
    package mutating func sendBody(isEmpty: Bool) throws(Misuse) -> Action {
        switch self.state {
        case .idle: throw .bodyBeforeHead
        case .streaming: return isEmpty ? .nothing : .writeBody
        case .finished, .aborted: throw .writeAfterEnd
        }
    }

    /// The handler returned normally.
    package mutating func finish() -> Action {
        if self.state == .streaming { self.state = .finished }
        return .nothing
    }

    /// The handler (or a write) failed.
    package mutating func fail() -> Action {
        switch self.state {
        case .idle:
            return .sendErrorResponse
        case .streaming:
            self.state = .aborted
            return .abortConnection
        case .finished, .aborted:
            return .nothing
        }
    }
}
