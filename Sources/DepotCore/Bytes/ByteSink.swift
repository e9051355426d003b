/// Where a writer's bytes go: the FastCGI response, a file, or memory in tests.
package protocol ByteSink: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer) throws
}
