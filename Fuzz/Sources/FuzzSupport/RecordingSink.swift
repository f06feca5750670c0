import Devices
import Synchronization

/// Counts every byte written and keeps the first `keep` of them (a shadow of what a `CaptureSink` with
/// the same limit must hold) and the last buffer written.
public final class RecordingSink: ByteSink {
    private struct State {
        var total: UInt64 = 0
        var kept: [UInt8] = []
        var last: [UInt8] = []
        var writes = 0
    }

    private let keep: Int
    private let state = Mutex(State())

    public init(keep: Int = 0) { self.keep = keep }

    public func write(_ bytes: [UInt8]) {
        state.withLock { state in
            state.total += UInt64(bytes.count)
            state.kept += bytes.prefix(max(keep - state.kept.count, 0))
            state.last = bytes
            state.writes += 1
        }
    }

    public var total: UInt64 { state.withLock { $0.total } }
    public var kept: [UInt8] { state.withLock { $0.kept } }
    public var last: [UInt8] { state.withLock { $0.last } }
    public var writes: Int { state.withLock { $0.writes } }
}

/// Records every level an interrupt line is driven to.
public final class RecordingInterruptLine: InterruptLine {
    private let levels = Mutex<[Bool]>([])

    public init() {}

    public func setLevel(_ high: Bool) { levels.withLock { $0.append(high) } }

    public var history: [Bool] { levels.withLock { $0 } }
    /// Low before anything was driven.
    public var isHigh: Bool { history.last ?? false }
}
