import Devices
import KVM
import Synchronization
import Virtio

/// A virtio-pci function's interrupts into KVM: MSI-X messages with KVM_SIGNAL_MSI (no vCPU exit, from
/// whichever thread completed the request), INTA# as a level on its GSI through the in-kernel IOAPIC.
final class KVMVirtioInterrupt: VirtioInterrupt {
    let vm: VirtualMachine
    let gsi: UInt32
    private let failures = Atomic<UInt64>(0)

    init(vm: VirtualMachine, gsi: UInt32) {
        self.vm = vm
        self.gsi = gsi
    }

    func signalMSIX(vector: UInt16, message: MSIMessage) {
        // A message KVM refuses (e.g. an address outside the LAPIC window) is the guest's mistake: it is
        // counted, and the guest sees no interrupt, as on hardware.
        do { try vm.signalMSI(address: message.address, data: message.data) } catch { failures.add(1, ordering: .relaxed) }
    }

    func setINTxLevel(_ high: Bool) {
        do { try vm.setIRQLine(gsi, high: high) } catch { failures.add(1, ordering: .relaxed) }
    }

    /// Interrupts KVM refused.
    var failedDeliveries: UInt64 { failures.load(ordering: .relaxed) }
}
