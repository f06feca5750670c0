/// The complete register state of a 16550A UART and its rules, with no I/O attached: the class
/// `Serial16550` feeds it accesses and forwards what it transmits. A value type, so a test can snapshot
/// it and compare.
///
/// Transmission is instantaneous (THR is always empty again by the time the guest looks), so there is no
/// TX FIFO to model. The RX FIFO holds 16 bytes whether or not FCR enables FIFOs: input is injected in
/// bursts with no wire timing, and a one-byte holding register would drop most of it.
public struct Serial16550Registers: Equatable, Sendable {
    public static let receiveFifoCapacity = 16

    public internal(set) var interruptEnable: UInt8 = 0
    public internal(set) var lineControl: UInt8 = 0
    public internal(set) var modemControl: UInt8 = 0
    public internal(set) var scratch: UInt8 = 0
    /// Divisor 12 = 9600 baud, a common firmware default; the value has no effect on timing here.
    public internal(set) var divisorLatchLow: UInt8 = 0x0C
    public internal(set) var divisorLatchHigh: UInt8 = 0
    public internal(set) var fifosEnabled = false
    /// Bytes in the RX FIFO before `receivedData` (rather than `characterTimeout`) is reported.
    public internal(set) var receiveTriggerLevel = 1
    public internal(set) var receiveFifo: [UInt8] = []
    public internal(set) var overrunError = false
    /// Latched "THR became empty" event; reported only while IER enables it.
    public internal(set) var transmitterEmptyEventPending = false
    public internal(set) var modemStatusDeltas: UInt8 = 0

    public init() {}

    // MARK: - Derived registers (no side effects)

    public var divisorLatchAccess: Bool { lineControl & LCR.divisorLatchAccess != 0 }
    public var loopback: Bool { modemControl & MCR.loopback != 0 }

    public var lineStatus: UInt8 {
        var value = LSR.transmitterHoldingEmpty | LSR.transmitterEmpty
        if !receiveFifo.isEmpty { value |= LSR.dataReady }
        if overrunError { value |= LSR.overrunError }
        return value
    }

    /// MSR bits 7:4. In loopback they are wired to MCR's outputs: OUT2→DCD, OUT1→RI, RTS→CTS, DTR→DSR.
    public var modemLineInputs: UInt8 {
        guard loopback else { return MSR.idleLineInputs }
        var value: UInt8 = 0
        if modemControl & MCR.out2 != 0 { value |= MSR.dcd }
        if modemControl & MCR.out1 != 0 { value |= MSR.ri }
        if modemControl & MCR.rts != 0 { value |= MSR.cts }
        if modemControl & MCR.dtr != 0 { value |= MSR.dsr }
        return value
    }

    public var modemStatus: UInt8 { modemLineInputs | modemStatusDeltas }

    public var pendingInterrupt: SerialInterrupt? {
        if interruptEnable & IER.lineStatus != 0, lineStatus & LSR.errorBits != 0 { return .lineStatus }
        if interruptEnable & IER.receivedData != 0, !receiveFifo.isEmpty {
            let belowTrigger = fifosEnabled && receiveFifo.count < receiveTriggerLevel
            return belowTrigger ? .characterTimeout : .receivedData
        }
        if interruptEnable & IER.transmitterEmpty != 0, transmitterEmptyEventPending { return .transmitterEmpty }
        if interruptEnable & IER.modemStatus != 0, modemStatusDeltas != 0 { return .modemStatus }
        return nil
    }

    public var interruptIdentification: UInt8 {
        (fifosEnabled ? IIR.fifosEnabled : 0) | (pendingInterrupt?.identificationCode ?? IIR.noInterrupt)
    }

    /// The level of the IRQ wire on a PC: the UART's interrupt output gated by OUT2. In loopback the
    /// datasheet forces the OUT pins inactive, so the wire stays low even though IIR still reports.
    public var interruptLineHigh: Bool {
        pendingInterrupt != nil && modemControl & MCR.out2 != 0 && !loopback
    }

    public var receiveSpace: Int { Self.receiveFifoCapacity - receiveFifo.count }

    // MARK: - Accesses

    /// A guest read of the register at `offset`, with the side effects the datasheet gives reads.
    public mutating func read(offset: UInt16) -> UInt8 {
        switch offset {
        case UARTRegister.data:
            if divisorLatchAccess { return divisorLatchLow }
            return receiveFifo.isEmpty ? 0 : receiveFifo.removeFirst()
        case UARTRegister.interruptEnable:
            return divisorLatchAccess ? divisorLatchHigh : interruptEnable
        case UARTRegister.interruptId:
            let value = interruptIdentification
            if pendingInterrupt == .transmitterEmpty { transmitterEmptyEventPending = false }
            return value
        case UARTRegister.lineControl:
            return lineControl
        case UARTRegister.modemControl:
            return modemControl
        case UARTRegister.lineStatus:
            let value = lineStatus
            overrunError = false
            return value
        case UARTRegister.modemStatus:
            let value = modemStatus
            modemStatusDeltas = 0
            return value
        case UARTRegister.scratch:
            return scratch
        default:
            return 0xFF
        }
    }

    /// A guest write of the register at `offset`. Returns the byte to transmit, if the write sends one
    /// out of the UART (a THR write outside loopback).
    public mutating func write(offset: UInt16, value: UInt8) -> UInt8? {
        switch offset {
        case UARTRegister.data:
            if divisorLatchAccess { divisorLatchLow = value; return nil }
            return transmit(value)
        case UARTRegister.interruptEnable:
            if divisorLatchAccess { divisorLatchHigh = value; return nil }
            let enabled = value & IER.writable
            // Enabling the THRE interrupt while THR is empty (always, here) raises it at once.
            if enabled & IER.transmitterEmpty != 0, interruptEnable & IER.transmitterEmpty == 0 {
                transmitterEmptyEventPending = true
            }
            interruptEnable = enabled
        case UARTRegister.interruptId:
            writeFifoControl(value)
        case UARTRegister.lineControl:
            lineControl = value
        case UARTRegister.modemControl:
            let before = modemLineInputs
            modemControl = value & MCR.writable
            recordModemInputChanges(from: before, to: modemLineInputs)
        case UARTRegister.scratch:
            scratch = value
        default:
            break // LSR and MSR writes are factory-test only; ignore them, as do out-of-range offsets.
        }
        return nil
    }

    /// A byte arriving on the serial input. Returns false when the RX FIFO was full: the byte is lost
    /// and LSR.OE is set, as on the chip (an overrun never overwrites FIFO contents).
    public mutating func receive(_ byte: UInt8) -> Bool {
        guard receiveFifo.count < Self.receiveFifoCapacity else {
            overrunError = true
            return false
        }
        receiveFifo.append(byte)
        return true
    }

    // MARK: - Helpers

    private mutating func transmit(_ byte: UInt8) -> UInt8? {
        // Writing THR clears the THRE event; the byte leaves at once, so THR is empty again.
        transmitterEmptyEventPending = true
        if loopback {
            _ = receive(byte)
            return nil
        }
        return byte
    }

    private mutating func writeFifoControl(_ value: UInt8) {
        let enable = value & FCR.enableFifos != 0
        // Changing the FIFO-enable bit empties both FIFOs; the other bits only count while it is set.
        if enable != fifosEnabled { receiveFifo.removeAll() }
        fifosEnabled = enable
        guard enable else { return }
        if value & FCR.clearReceiver != 0 { receiveFifo.removeAll() }
        // FCR.clearTransmitter: the TX FIFO is always empty here, so there is nothing to clear.
        receiveTriggerLevel = [1, 4, 8, 14][Int(value >> 6)]
    }

    private mutating func recordModemInputChanges(from old: UInt8, to new: UInt8) {
        let changed = old ^ new
        if changed & MSR.cts != 0 { modemStatusDeltas |= MSR.deltaCTS }
        if changed & MSR.dsr != 0 { modemStatusDeltas |= MSR.deltaDSR }
        if old & MSR.ri != 0, new & MSR.ri == 0 { modemStatusDeltas |= MSR.trailingEdgeRI }
        if changed & MSR.dcd != 0 { modemStatusDeltas |= MSR.deltaDCD }
    }
}
