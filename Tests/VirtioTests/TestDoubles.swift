import BlockBackends
import Devices
import Synchronization
@testable import Virtio

/// Records every interrupt a transport raises.
final class RecordingInterrupt: VirtioInterrupt {
    enum Event: Equatable { case msix(vector: UInt16, message: MSIMessage), intx(Bool) }
    private let events = Mutex<[Event]>([])

    func signalMSIX(vector: UInt16, message: MSIMessage) { events.withLock { $0.append(.msix(vector: vector, message: message)) } }
    func setINTxLevel(_ high: Bool) { events.withLock { $0.append(.intx(high)) } }

    var history: [Event] { events.withLock { $0 } }
    var msixVectors: [UInt16] {
        history.compactMap { if case let .msix(vector, _) = $0 { return vector } else { return nil } }
    }
    var intxHigh: Bool {
        for event in history.reversed() { if case let .intx(level) = event { return level } }
        return false
    }
    func clear() { events.withLock { $0.removeAll() } }
}

/// A disk held in memory, with switches for the failures a real one can have.
final class MemoryDisk: BlockBackend {
    private struct State {
        var bytes: [UInt8]
        var failing = false
        var flushes = 0
    }
    private let state: Mutex<State>
    let size: UInt64
    let isReadOnly: Bool

    init(bytes: [UInt8], readOnly: Bool = false) {
        state = Mutex(State(bytes: bytes))
        size = UInt64(bytes.count)
        isReadOnly = readOnly
    }

    /// A disk of `sectors` 512-byte sectors; byte i of sector s is (s + i) & 0xFF.
    convenience init(sectors: Int, readOnly: Bool = false) {
        self.init(bytes: (0..<sectors * 512).map { UInt8(truncatingIfNeeded: $0 / 512 + $0 % 512) }, readOnly: readOnly)
    }

    /// Runs on every read, before it is served: lets a test act as a vCPU racing the device.
    nonisolated(unsafe) var onRead: (() -> Void)?

    var contents: [UInt8] { state.withLock { $0.bytes } }
    var flushCount: Int { state.withLock { $0.flushes } }
    func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }

    func read(at offset: UInt64, into buffer: inout [UInt8]) throws(BlockBackendError) {
        try checkRange(offset: offset, length: buffer.count)
        onRead?()
        let result: [UInt8]? = state.withLock { state in
            state.failing ? nil : Array(state.bytes[Int(offset)..<Int(offset) + buffer.count])
        }
        guard let result else { throw .ioFailed(path: "memory", operation: "read", offset: offset, errno: 5) }
        buffer = result
    }

    func write(_ bytes: ArraySlice<UInt8>, at offset: UInt64) throws(BlockBackendError) {
        guard !isReadOnly else { throw .readOnly(path: "memory") }
        try checkRange(offset: offset, length: bytes.count)
        let ok = state.withLock { state in
            guard !state.failing else { return false }
            state.bytes.replaceSubrange(Int(offset)..<Int(offset) + bytes.count, with: bytes)
            return true
        }
        guard ok else { throw .ioFailed(path: "memory", operation: "write", offset: offset, errno: 5) }
    }

    func flush() throws(BlockBackendError) {
        let ok = state.withLock { state in
            state.flushes += 1
            return !state.failing
        }
        guard ok else { throw .ioFailed(path: "memory", operation: "fdatasync", offset: 0, errno: 5) }
    }
}
