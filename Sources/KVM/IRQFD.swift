import CKVM

extension VirtualMachine {
    /// KVM_IRQFD: a signal on `event` fires `gsi` inside KVM (through the GSI routing table, so an MSI
    /// route sends its message), from any thread, without a vCPU exit. Edge semantics: for a level-
    /// triggered line use KVM_IRQ_LINE (a level irqfd would need a resample eventfd).
    /// `deassign` removes the same registration.
    public func setIRQFD(_ event: EventFD, gsi: UInt32, deassign: Bool = false) throws(KVMError) {
        var request = kvm_irqfd()
        request.fd = UInt32(bitPattern: event.fd.raw)
        request.gsi = gsi
        request.flags = deassign ? UInt32(KVM_IRQFD_FLAG_DEASSIGN) : 0
        try fd.ioctl(deassign ? "KVM_IRQFD(deassign)" : "KVM_IRQFD", CKVM_IRQFD, &request)
    }
}
