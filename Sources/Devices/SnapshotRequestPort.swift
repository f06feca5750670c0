import Snapshot
import Synchronization

/// The snapshot request port (docs/guest-interface.md), 8 ports from 0xEC8, next to the test data
/// channel: how a test kernel asks to be saved at a point of its choosing, and learns afterwards how
/// many restores it has been through.
///
/// - 32-bit `in` at offset 0: the probe value "SVSR" (0x52535653).
/// - 32-bit `in` at offset 4: the generation, 0 after a fresh boot, N after the Nth restore.
/// - 32-bit `out` at offset 0 with the guest's tag: a save request. `onSaveRequest(tag)` runs on the
///   writing vCPU's thread and says whether the request was taken; it must only record it and ask the run
///   loop to stop (the save happens once every vCPU has stopped, after this `out` has completed).
/// Everything else reads all-ones and writes nothing. The device knows nothing of the run loop or files.
public final class SnapshotRequestPort: PortDevice, Sendable {
    public static let defaultPort: UInt16 = 0xEC8
    public static let portCount: UInt16 = 8
    public static let probeValue: UInt32 = 0x5253_5653   // "SVSR"

    private let generationValue = Atomic<UInt32>(0)
    private let requests = Atomic<UInt64>(0)
    private let onSaveRequest: @Sendable (UInt32) -> Bool

    public init(onSaveRequest: @escaping @Sendable (UInt32) -> Bool) {
        self.onSaveRequest = onSaveRequest
    }

    /// How many restores this guest has been through.
    public var generation: UInt32 { generationValue.load(ordering: .relaxed) }

    /// Save requests the guest made (taken or not).
    public var requestCount: UInt64 { requests.load(ordering: .relaxed) }

    public func read(offset: UInt16, size: Int) -> UInt32 {
        switch (offset, size) {
        case (0, 4): return Self.probeValue
        case (4, 4): return generation
        default: return PortAccess.allOnes(size: size)
        }
    }

    public func write(offset: UInt16, size: Int, value: UInt32) {
        guard offset == 0, size == 4 else { return }
        requests.add(1, ordering: .relaxed)
        _ = onSaveRequest(value)
    }

    /// Snapshot: the generation the guest has seen.
    public func saveState(to writer: inout StateWriter) {
        writer.u32(generation)
    }

    /// Restore: one more restore than the saved state had been through.
    public func restoreState(from reader: inout StateReader) throws(SnapshotError) {
        let saved = try reader.u32("snapshot port generation")
        guard saved < UInt32.max else { throw reader.failure("snapshot port generation", "\(saved) cannot be counted past") }
        generationValue.store(saved + 1, ordering: .relaxed)
    }
}
