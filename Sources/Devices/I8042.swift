import Snapshot
import Synchronization

/// The PC's 8042 keyboard controller as two one-port devices: data at 0x60 and status/command at 0x64.
/// It is split so that 0x61–0x63 (system control port B, …) stay free for other devices:
///
///     try bus.register(i8042.dataPort, base: I8042.dataPortNumber, length: 1, name: "i8042 data")
///     try bus.register(i8042.commandPort, base: I8042.commandPortNumber, length: 1, name: "i8042 command")
///
/// The rules live in `I8042Registers`. Command 0xFE (or any 0xF0–0xFF with bit 0 clear), and 0xD1 with
/// output port bit 0 clear, pulse the CPU reset line: `onReset` runs on the writing vCPU's thread after the
/// controller's lock is released; it should ask the run loop to reset or stop and must not wait for other
/// vCPUs. IRQ 1 and IRQ 12 are optional wires, driven whenever their level changes.
public final class I8042: Sendable {
    public static let dataPortNumber: UInt16 = 0x60
    public static let commandPortNumber: UInt16 = 0x64

    private struct State {
        var registers = I8042Registers()
        var keyboardLineHigh = false
        var auxLineHigh = false
    }

    private let state = Mutex(State())
    private let onReset: @Sendable () -> Void
    private let keyboardInterrupt: (any InterruptLine)?
    private let auxInterrupt: (any InterruptLine)?

    public init(onReset: @escaping @Sendable () -> Void,
                keyboardInterrupt: (any InterruptLine)? = nil, auxInterrupt: (any InterruptLine)? = nil) {
        self.onReset = onReset
        self.keyboardInterrupt = keyboardInterrupt
        self.auxInterrupt = auxInterrupt
    }

    /// Port 0x60: output buffer (read), command parameter or keyboard data (write).
    public var dataPort: any PortDevice { I8042Port(controller: self, isCommandPort: false) }
    /// Port 0x64: status (read), command (write).
    public var commandPort: any PortDevice { I8042Port(controller: self, isCommandPort: true) }

    /// A snapshot of the register state.
    public var registers: I8042Registers { state.withLock { $0.registers } }

    /// Snapshot: the controller's registers.
    public func saveState(to writer: inout StateWriter) { registers.save(to: &writer) }

    /// Restore: the registers from a snapshot; the IRQ wires are driven to their level.
    public func restoreState(from reader: inout StateReader) throws(SnapshotError) {
        var restored = I8042Registers()
        try restored.restore(from: &reader)
        update { $0 = restored }
    }

    fileprivate func read(commandPort: Bool) -> UInt8 {
        update { commandPort ? $0.status : $0.readData() }
    }

    fileprivate func write(commandPort: Bool, value: UInt8) {
        let reset = update { commandPort ? $0.writeCommand(value) : $0.writeData(value) }
        if reset { onReset() }
    }

    /// Runs `body` under the lock, then drives the IRQ wires whose level changed.
    private func update<Result: Sendable>(_ body: (inout I8042Registers) -> Result) -> Result {
        state.withLock { state in
            let result = body(&state.registers)
            let keyboard = state.registers.keyboardInterruptHigh
            if keyboard != state.keyboardLineHigh {
                state.keyboardLineHigh = keyboard
                keyboardInterrupt?.setLevel(keyboard)
            }
            let aux = state.registers.auxInterruptHigh
            if aux != state.auxLineHigh {
                state.auxLineHigh = aux
                auxInterrupt?.setLevel(aux)
            }
            return result
        }
    }
}

/// One of the controller's two ports. The registers are a byte wide: a wider read returns all-ones in
/// the bytes above (ports that are not the controller's), and a wider write uses only its low byte.
private final class I8042Port: PortDevice, Sendable {
    let controller: I8042
    let isCommandPort: Bool

    init(controller: I8042, isCommandPort: Bool) {
        self.controller = controller
        self.isCommandPort = isCommandPort
    }

    func read(offset: UInt16, size: Int) -> UInt32 {
        guard offset == 0 else { return PortAccess.allOnes(size: size) }
        return PortAccess.allOnes(size: size) & ~0xFF | UInt32(controller.read(commandPort: isCommandPort))
    }

    func write(offset: UInt16, size: Int, value: UInt32) {
        guard offset == 0 else { return }
        controller.write(commandPort: isCommandPort, value: UInt8(truncatingIfNeeded: value))
    }
}
