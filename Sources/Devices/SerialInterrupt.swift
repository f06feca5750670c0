/// The 16550A's interrupt sources, highest priority first, with the code IIR reports for each.
public enum SerialInterrupt: Equatable, Sendable, CaseIterable {
    /// Overrun, parity, framing or break (IER bit 2); cleared by reading LSR.
    case lineStatus
    /// The RX FIFO reached its trigger level (IER bit 0); cleared by draining below it.
    case receivedData
    /// Data below the trigger level has waited with nothing else arriving (IER bit 0). Input here
    /// arrives all at once, so the timeout is considered already expired.
    case characterTimeout
    /// THR is empty (IER bit 1); cleared by reading IIR while this is the source, or writing THR.
    case transmitterEmpty
    /// A delta bit in MSR is set (IER bit 3); cleared by reading MSR.
    case modemStatus

    /// Bits 3:0 of IIR for this source (bit 0 clear means "an interrupt is pending").
    public var identificationCode: UInt8 {
        switch self {
        case .lineStatus: return 0x06
        case .receivedData: return 0x04
        case .characterTimeout: return 0x0C
        case .transmitterEmpty: return 0x02
        case .modemStatus: return 0x00
        }
    }
}
