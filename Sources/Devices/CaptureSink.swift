import Synchronization

/// Keeps output in memory up to `limit` bytes and counts what it drops beyond that, so a guest flooding
/// the console cannot exhaust host memory. Thread-safe.
public final class CaptureSink: ByteSink {
    public let limit: Int

    private struct State {
        var bytes: [UInt8] = []
        var droppedByteCount: UInt64 = 0
    }

    private let state = Mutex(State())

    /// A negative limit is treated as 0 (keep nothing, count everything).
    public init(limit: Int) {
        self.limit = max(limit, 0)
    }

    public func write(_ bytes: [UInt8]) {
        state.withLock { state in
            let room = limit - state.bytes.count
            let kept = min(room, bytes.count)
            state.bytes.append(contentsOf: bytes.prefix(kept))
            state.droppedByteCount &+= UInt64(bytes.count - kept)
        }
    }

    /// The bytes kept so far (the first `limit` written).
    public var bytes: [UInt8] { state.withLock { $0.bytes } }

    /// The kept bytes as text; invalid UTF-8 becomes U+FFFD.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Bytes written after the limit was reached.
    public var droppedByteCount: UInt64 { state.withLock { $0.droppedByteCount } }

    /// True once anything has been dropped.
    public var isTruncated: Bool { droppedByteCount > 0 }
}
