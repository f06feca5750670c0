import Synchronization

/// Passes at most `limit` bytes on to another sink and counts the rest: a guest flooding a stream that
/// goes to a file (swiftvm `--data`) cannot fill the host's disk.
public final class LimitedSink: ByteSink {
    public let limit: UInt64
    private let inner: ByteSink
    private let counts = Mutex<(passed: UInt64, dropped: UInt64)>((0, 0))

    public init(_ inner: ByteSink, limit: UInt64) {
        self.inner = inner
        self.limit = limit
    }

    public func write(_ bytes: [UInt8]) {
        let allowed: Int = counts.withLock { counts in
            let room = limit - counts.passed
            let allowed = Int(min(UInt64(bytes.count), room))
            counts.passed += UInt64(allowed)
            counts.dropped += UInt64(bytes.count - allowed)
            return allowed
        }
        if allowed > 0 { inner.write(allowed == bytes.count ? bytes : Array(bytes.prefix(allowed))) }
    }

    public var droppedByteCount: UInt64 { counts.withLock { $0.dropped } }
}
