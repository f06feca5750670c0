import Devices

/// Interrupt delivery (virtio 1.2, §4.1.5.3–4): an MSI-X message when the function has MSI-X enabled,
/// otherwise the ISR status bit and the INTA# level.
///
/// MSI-X follows PCI 3.0 §6.8.2: a vector that is masked (its own mask bit or the function mask) is held
/// as a pending bit and sent when unmasked; NO_VECTOR means the driver wants no interrupt for that source.
/// INTx is level-triggered: high while ISR status is non-zero, MSI-X is off and Command's Interrupt Disable
/// is clear; Status bit 3 reports the request regardless of Interrupt Disable.
extension VirtioPCITransport {
    static let isrQueueBit: UInt8 = 1
    static let isrConfigBit: UInt8 = 2

    mutating func raiseQueueInterrupt(_ queue: Int) {
        raise(vector: queueVectors[queue], isrBit: Self.isrQueueBit)
    }

    mutating func raiseConfigInterrupt() {
        raise(vector: registers.configVector, isrBit: Self.isrConfigBit)
    }

    private mutating func raise(vector: UInt16, isrBit: UInt8) {
        let msix = function.msixState ?? PCIMSIXState()
        guard msix.enabled else {
            isr |= isrBit
            updateINTx()
            return
        }
        guard vector != Self.noVector, Int(vector) < msixTable.vectorCount else { return }
        if msix.functionMasked || msixTable.isMasked(Int(vector)) {
            msixTable.setPending(Int(vector), true)
        } else {
            interrupt.signalMSIX(vector: vector, message: msixTable.message(Int(vector)))
        }
    }

    /// Sends every pending vector that is no longer masked; after any write that can unmask one.
    mutating func deliverPendingMSIX() {
        guard let msix = function.msixState, msix.enabled, !msix.functionMasked else { return }
        for vector in 0..<msixTable.vectorCount where msixTable.isPending(vector) && !msixTable.isMasked(vector) {
            msixTable.setPending(vector, false)
            interrupt.signalMSIX(vector: UInt16(vector), message: msixTable.message(vector))
        }
    }

    /// Recomputes the INTA# level and Status bit 3, and tells the VMM when the level changes.
    mutating func updateINTx() {
        let requesting = isr != 0 && !(function.msixState?.enabled ?? false)
        function.setInterruptStatus(requesting)
        let level = requesting && function.command & PCICommand.interruptDisable == 0
        if level != intxLevel {
            intxLevel = level
            interrupt.setINTxLevel(level)
        }
    }

    /// ISR status: reading returns it and clears it, which withdraws INTx (§4.1.4.5).
    mutating func readISR() -> UInt8 {
        let value = isr
        isr = 0
        updateINTx()
        return value
    }
}
