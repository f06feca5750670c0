import Snapshot
import Synchronization

/// A 16550A UART (the PC's COM port) as a port device: eight byte-wide registers at offsets 0–7.
///
/// The register rules live in `Serial16550Registers`; this class adds the wiring: transmitted bytes go to
/// `output`, the IRQ level goes to `interrupt` whenever it changes, and the host can inject input from any
/// thread. Output and interrupt calls happen under the device's lock so they keep the guest's order even
/// with several vCPUs; neither may call back into this device.
public final class Serial16550: PortDevice, Sendable {
    public static let registerCount: UInt16 = 8

    private struct State {
        var registers = Serial16550Registers()
        var lineHigh = false
    }

    private let state = Mutex(State())
    private let output: ByteSink
    private let interrupt: InterruptLine

    public init(output: ByteSink, interrupt: InterruptLine) {
        self.output = output
        self.interrupt = interrupt
    }

    /// The registers are byte-wide; a wider access is split into consecutive byte accesses, little-endian,
    /// as an ISA bus would do. Bytes past offset 7 read as 0xFF.
    public func read(offset: UInt16, size: Int) -> UInt32 {
        update { state in
            var value: UInt32 = 0
            for index in 0..<Self.byteCount(size) {
                let byte = state.registers.read(offset: offset &+ UInt16(index))
                value |= UInt32(byte) << (8 * index)
            }
            return value
        }
    }

    public func write(offset: UInt16, size: Int, value: UInt32) {
        update { state in
            var transmitted: [UInt8] = []
            for index in 0..<Self.byteCount(size) {
                let byte = UInt8(truncatingIfNeeded: value >> (8 * index))
                if let sent = state.registers.write(offset: offset &+ UInt16(index), value: byte) {
                    transmitted.append(sent)
                }
            }
            if !transmitted.isEmpty { output.write(transmitted) }
        }
    }

    /// Host-side input (e.g. from stdin). Bytes that do not fit in the RX FIFO are lost and set LSR.OE,
    /// as on real hardware; feed at most `inputSpace` bytes at a time to avoid that. Returns how many
    /// bytes were accepted.
    @discardableResult
    public func enqueueInput(_ bytes: [UInt8]) -> Int {
        update { state in
            bytes.reduce(0) { accepted, byte in state.registers.receive(byte) ? accepted + 1 : accepted }
        }
    }

    /// Free bytes in the RX FIFO.
    public var inputSpace: Int { state.withLock { $0.registers.receiveSpace } }

    /// A snapshot of the register state.
    public var registers: Serial16550Registers { state.withLock { $0.registers } }

    /// Snapshot: the registers and RX FIFO (`Serial16550Registers`' fields).
    public func saveState(to writer: inout StateWriter) { registers.save(to: &writer) }

    /// Restore: the registers from a snapshot over this (fresh) UART; the IRQ wire is driven to their level.
    public func restoreState(from reader: inout StateReader) throws(SnapshotError) {
        var restored = Serial16550Registers()
        try restored.restore(from: &reader)
        update { $0.registers = restored }
    }

    /// Runs `body` under the lock, then drives the IRQ wire if the level changed.
    private func update<Result: Sendable>(_ body: (inout State) -> Result) -> Result {
        state.withLock { state in
            let result = body(&state)
            let level = state.registers.interruptLineHigh
            if level != state.lineHigh {
                state.lineHigh = level
                interrupt.setLevel(level)
            }
            return result
        }
    }

    private static func byteCount(_ size: Int) -> Int { min(max(size, 1), 4) }
}
