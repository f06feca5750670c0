/// One interrupt wire out of a device, e.g. ISA IRQ 4 driven through `KVM_IRQ_LINE`. Devices call it only
/// when the level changes, from whichever thread changed their state.
public protocol InterruptLine: Sendable {
    func setLevel(_ high: Bool)
}
