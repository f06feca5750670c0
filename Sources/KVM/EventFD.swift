#if canImport(Glibc)
import Glibc
#endif
import CKVM

/// An eventfd(2) counter: KVM signals it for an ioeventfd (a guest write that needs no userspace exit),
/// and a device thread waits on it. Owned: closed when the owner goes away.
public final class EventFD: Sendable {
    let fd: FileDescriptor

    public init() throws(KVMError) {
        let raw = ckvm_eventfd()
        guard raw >= 0 else { throw KVMError.ioctl(call: "eventfd", errno: errno) }
        fd = FileDescriptor(raw: raw)
    }

    /// For poll(2).
    public var rawDescriptor: Int32 { fd.raw }

    /// Reads and resets the counter; 0 when it was not signalled (non-blocking).
    @discardableResult
    public func consume() -> UInt64 {
        var value: UInt64 = 0
        let count = withUnsafeMutableBytes(of: &value) { Glibc.read(fd.raw, $0.baseAddress, 8) }
        return count == 8 ? value : 0
    }

    /// Adds one to the counter (wakes a poller).
    public func signal() {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { Glibc.write(fd.raw, $0.baseAddress, 8) }
    }
}

extension VirtualMachine {
    /// KVM_IOEVENTFD: a guest MMIO write of any length to `address` signals `event` inside KVM instead of
    /// exiting to userspace (KVM_CAP_IOEVENTFD_ANY_LENGTH). `deassign` removes the same registration.
    public func setIOEventFD(mmioAddress address: UInt64, event: EventFD, deassign: Bool = false) throws(KVMError) {
        var request = kvm_ioeventfd()
        request.addr = address
        request.len = 0
        request.fd = event.fd.raw
        request.flags = deassign ? UInt32(1 << kvm_ioeventfd_flag_nr_deassign) : 0
        try fd.ioctl(deassign ? "KVM_IOEVENTFD(deassign)" : "KVM_IOEVENTFD", CKVM_IOEVENTFD, &request)
    }
}
