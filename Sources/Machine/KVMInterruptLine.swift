import Devices
import KVM

/// An ISA interrupt line wired to the in-kernel PIC/IOAPIC input of the same number.
struct KVMInterruptLine: InterruptLine {
    let vm: VirtualMachine
    let irq: UInt32
    /// KVM_IRQ_LINE fails only for a GSI KVM does not know, i.e. a VMM bug: the machine stops with the
    /// error rather than running on with a device whose interrupts are lost.
    let onFailure: @Sendable (KVMError) -> Void

    func setLevel(_ high: Bool) {
        do { try vm.setIRQLine(irq, high: high) } catch { onFailure(error) }
    }
}
