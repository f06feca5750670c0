import Snapshot
import Synchronization

/// The PC's CMOS RTC at ports 0x70 (index) and 0x71 (data): `CMOSRTCRegisters` fed by an injected clock.
///
///     let rtc = CMOSRTC(clock: CMOSDateTime.utcNow)
///     rtc.presetMemorySize(ramBytes: layout.ramSize)
///     try bus.register(rtc, base: CMOSRTC.basePort, length: CMOSRTC.portCount, name: "cmos-rtc")
///
/// Port 0x70 is write-only on a PC; reading it returns 0xFF, as on QEMU. A wider access is split into
/// byte accesses at consecutive ports, so `outw 0x70` selects an index and writes its value in one go.
public final class CMOSRTC: PortDevice, Sendable {
    public static let basePort: UInt16 = 0x70
    public static let portCount: UInt16 = 2

    private let state = Mutex(CMOSRTCRegisters())
    private let clock: @Sendable () -> CMOSDateTime

    public init(clock: @escaping @Sendable () -> CMOSDateTime) {
        self.clock = clock
    }

    public func read(offset: UInt16, size: Int) -> UInt32 {
        state.withLock { registers in
            var value: UInt32 = 0
            for index in 0..<min(max(size, 1), 4) {
                let byte: UInt8 = offset &+ UInt16(index) == 1 ? registers.readData(now: clock()) : 0xFF
                value |= UInt32(byte) << (8 * index)
            }
            return value
        }
    }

    public func write(offset: UInt16, size: Int, value: UInt32) {
        state.withLock { registers in
            for index in 0..<min(max(size, 1), 4) {
                let byte = UInt8(truncatingIfNeeded: value >> (8 * index))
                switch offset &+ UInt16(index) {
                case 0: registers.writeIndex(byte)
                case 1: registers.writeData(byte, now: clock())
                default: break
                }
            }
        }
    }

    /// A snapshot of the register state.
    public var registers: CMOSRTCRegisters { state.withLock { $0 } }

    /// Snapshot: registers, CMOS RAM, the index latch.
    public func saveState(to writer: inout StateWriter) { registers.save(to: &writer) }

    /// Restore: registers and CMOS RAM from a snapshot (the memory-size bytes included, as the guest saw them).
    public func restoreState(from reader: inout StateReader) throws(SnapshotError) {
        var restored = CMOSRTCRegisters()
        try restored.restore(from: &reader)
        state.withLock { $0 = restored }
    }

    /// Presets a CMOS RAM byte (0x0E–0x7F except 0x32) before the guest runs.
    public func preset(_ value: UInt8, at index: UInt8) {
        state.withLock { $0.preset(value, at: index) }
    }

    /// Presets the memory-size bytes for `ramBytes` of RAM of which at most `lowRAMLimit` sits below
    /// 4 GiB (swiftvm's layout moves the rest to 4 GiB; QEMU's i440FX splits at 3 GiB for RAM ≥ 3.5 GiB
    /// and keeps up to 3.5 GiB low otherwise — pass its split through `presetMemorySize(lowRAM:highRAM:)`).
    public func presetMemorySize(ramBytes: UInt64, lowRAMLimit: UInt64 = 3 << 30) {
        let low = min(ramBytes, lowRAMLimit)
        presetMemorySize(lowRAM: low, highRAM: ramBytes - low)
    }

    public func presetMemorySize(lowRAM: UInt64, highRAM: UInt64) {
        state.withLock { $0.presetMemorySize(lowRAM: lowRAM, highRAM: highRAM) }
    }
}
