/// Every size and count limit of an upload request, in one value passed down from the configuration.
package struct Limits: Sendable, Equatable {
    package var maxFileSize: Int64 = 4 << 30
    package var maxRequestSize: Int64 = 8 << 30
    package var maxFiles: Int = 100
    package var maxParts: Int = 1000
    package var maxPartHeaderSize: Int = 16 << 10
    package var maxFieldSize: Int = 1 << 20
    /// Bytes allowed before the first boundary (the RFC 2046 preamble).
    package var maxPreambleSize: Int = 16 << 10

    package init() {}
}
