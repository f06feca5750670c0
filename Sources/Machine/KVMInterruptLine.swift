import Devices
import KVM

/// An ISA interrupt line wired to the in-kernel PIC/IOAPIC input of the same number.
struct KVMInterruptLine: InterruptLine {
    let vm: VirtualMachine
    let irq: UInt32

    func setLevel(_ high: Bool) {
        // KVM_IRQ_LINE fails only for a bad GSI, which is fixed at build time; nothing useful to do then.
        try? vm.setIRQLine(irq, high: high)
    }
}
