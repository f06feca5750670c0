/// The debug-exit port (0xF4, four ports wide), compatible with QEMU's `isa-debug-exit`: any write ends
/// the run with the value written. Reads return all-ones, as on QEMU.
///
/// `onExit` runs on the writing vCPU's thread while the bus holds this device's lock; it should record the
/// value and ask the run loop to stop, not wait for other vCPUs (one of them may be writing here too).
public final class DebugExit: PortDevice, Sendable {
    public static let defaultPort: UInt16 = 0xF4
    public static let portCount: UInt16 = 4

    private let onExit: @Sendable (UInt32) -> Void

    public init(onExit: @escaping @Sendable (UInt32) -> Void) {
        self.onExit = onExit
    }

    public func read(offset: UInt16, size: Int) -> UInt32 {
        PortAccess.allOnes(size: size)
    }

    /// Any offset and any size counts, as on QEMU; the value is the low `size` bytes written.
    public func write(offset: UInt16, size: Int, value: UInt32) {
        onExit(PortAccess.truncate(value, toSize: size))
    }

    /// The process exit status QEMU reports for a guest that wrote `value`: QEMU calls
    /// `exit((value << 1) | 1)` and the OS keeps only the low 8 bits. So 0 → 1, 1 → 3, and 0x80 → 1;
    /// a QEMU run can never exit with 0 through this port, which is why test harnesses map the status back.
    public static func qemuStatus(for value: UInt32) -> Int32 {
        Int32(((value &<< 1) | 1) & 0xFF)
    }
}
