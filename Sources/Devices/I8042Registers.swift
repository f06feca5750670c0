/// The register state of an 8042 keyboard controller and its command rules, with nothing behind its
/// ports: no keyboard or mouse is attached, so no scan codes ever arrive and bytes sent to either device
/// are dropped (as when nothing is plugged in; a driver's probe times out). `I8042` wires it to ports.
///
/// The initial state is what the PC's firmware leaves behind (SeaBIOS on QEMU `pc`): the self-test has
/// passed (status SYS set) and the configuration byte is 0x61 (keyboard interrupt, scan-code translation,
/// mouse port disabled). The output port is 0xCF like QEMU's: reset line high (inactive), A20 enabled.
///
/// The output buffer holds one byte, as on the chip; a new reply replaces an unread one. Reading port
/// 0x60 with the buffer empty returns the last byte again (QEMU does the same). The input buffer is never
/// full: every write is consumed at once.
public struct I8042Registers: Equatable, Sendable {
    public internal(set) var configuration: UInt8 = I8042Config.keyboardInterrupt | I8042Config.translate
        | I8042Config.auxDisabled
    public internal(set) var outputPort: UInt8 = 0xCC | I8042OutputPort.gateA20 | I8042OutputPort.systemReset
    /// The byte waiting in the output buffer, if any.
    public internal(set) var outputBuffer: UInt8?
    /// Whether `outputBuffer` is marked as coming from the auxiliary (mouse) port.
    public internal(set) var outputFromAux = false
    public internal(set) var lastOutput: UInt8 = 0
    /// Status bit 2. Set by a passing self-test and kept, as in QEMU; the configuration byte's own bit 2
    /// is stored but does not drive it.
    public internal(set) var systemFlag = true
    public internal(set) var lastWriteWasCommand = false
    /// A command waiting for its parameter byte on port 0x60.
    public internal(set) var pendingCommand: UInt8?

    public init() {}

    public var status: UInt8 {
        var value = I8042Status.unlocked
        if outputBuffer != nil { value |= I8042Status.outputBufferFull }
        if outputBuffer != nil, outputFromAux { value |= I8042Status.auxOutputBufferFull }
        if systemFlag { value |= I8042Status.systemFlag }
        if lastWriteWasCommand { value |= I8042Status.command }
        return value
    }

    /// IRQ 1: a keyboard-side byte is waiting and the configuration byte enables the interrupt.
    public var keyboardInterruptHigh: Bool {
        outputBuffer != nil && !outputFromAux && configuration & I8042Config.keyboardInterrupt != 0
    }

    /// IRQ 12: a mouse-side byte is waiting and the configuration byte enables the interrupt.
    public var auxInterruptHigh: Bool {
        outputBuffer != nil && outputFromAux && configuration & I8042Config.auxInterrupt != 0
    }

    // MARK: - Accesses

    /// A read of port 0x60: takes the output buffer's byte and empties it.
    public mutating func readData() -> UInt8 {
        guard let byte = outputBuffer else { return lastOutput }
        outputBuffer = nil
        outputFromAux = false
        return byte
    }

    /// A write to port 0x64. Returns true when the command pulses the CPU reset line.
    public mutating func writeCommand(_ command: UInt8) -> Bool {
        lastWriteWasCommand = true
        pendingCommand = nil
        switch command {
        case I8042Command.readConfig: output(configuration)
        case I8042Command.writeConfig, I8042Command.writeOutputPort, I8042Command.writeKeyboardOutput,
             I8042Command.writeAuxOutput, I8042Command.writeToAux:
            pendingCommand = command
        case I8042Command.disableAux: configuration |= I8042Config.auxDisabled
        case I8042Command.enableAux: configuration &= ~I8042Config.auxDisabled
        case I8042Command.testAux, I8042Command.testKeyboard: output(I8042Command.interfaceTestPassed)
        case I8042Command.selfTest:
            systemFlag = true
            output(I8042Command.selfTestPassed)
        case I8042Command.disableKeyboard: configuration |= I8042Config.keyboardDisabled
        case I8042Command.enableKeyboard: configuration &= ~I8042Config.keyboardDisabled
        case I8042Command.readInputPort: output(0x80)   // bit 7: keyboard not inhibited, as QEMU reports
        case I8042Command.readOutputPort: output(outputPortWithBufferBits)
        case I8042Command.pulseOutputPort...0xFF:
            return command & I8042OutputPort.systemReset == 0
        default: break                                   // unknown commands are ignored
        }
        return false
    }

    /// A write to port 0x60: the parameter of a pending command, else a byte for the keyboard (dropped:
    /// none is attached). Returns true when it writes the output port with the reset bit low.
    public mutating func writeData(_ byte: UInt8) -> Bool {
        lastWriteWasCommand = false
        guard let command = pendingCommand else { return false }
        pendingCommand = nil
        switch command {
        case I8042Command.writeConfig:
            configuration = byte
        case I8042Command.writeOutputPort:
            // A20 (bit 1) is remembered but gates nothing: guests here run with A20 enabled.
            outputPort = byte
            return byte & I8042OutputPort.systemReset == 0
        case I8042Command.writeKeyboardOutput: output(byte)
        case I8042Command.writeAuxOutput: output(byte, fromAux: true)
        default: break                                   // 0xD4: no mouse to receive it
        }
        return false
    }

    // MARK: - Helpers

    private var outputPortWithBufferBits: UInt8 {
        var value = outputPort & ~(I8042OutputPort.outputBufferFull | I8042OutputPort.auxOutputBufferFull)
        if outputBuffer != nil { value |= I8042OutputPort.outputBufferFull }
        if outputBuffer != nil, outputFromAux { value |= I8042OutputPort.auxOutputBufferFull }
        return value
    }

    private mutating func output(_ byte: UInt8, fromAux: Bool = false) {
        outputBuffer = byte
        outputFromAux = fromAux
        lastOutput = byte
    }
}
