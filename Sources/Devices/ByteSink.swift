/// Where a device's output bytes go (console, log file, capture buffer). Called from vCPU threads, so
/// implementations must be thread-safe; a call should not return before the bytes are taken.
public protocol ByteSink: AnyObject, Sendable {
    func write(_ bytes: [UInt8])
}
