import Devices

/// How a virtio-pci transport interrupts the guest; the VMM implements it (swiftvm: an irqfd per MSI-X
/// vector, KVM_IRQ_LINE for INTx). Calls come from whichever thread drives the
/// transport, synchronously, and must not call back into it.
public protocol VirtioInterrupt: Sendable {
    /// Sends the MSI-X message programmed in table entry `vector` (read at the moment of sending, so a
    /// driver that reprograms an entry is honoured; an irqfd-based implementation re-routes when
    /// `message` differs from the one it last routed for `vector`).
    func signalMSIX(vector: UInt16, message: MSIMessage)
    /// Drives the function's INTA# pin, level-triggered. Called only when the level changes.
    func setINTxLevel(_ high: Bool)
}
