import CKVM

/// The parts of KVM_GET_VCPU_EVENTS that say whether an event is on its way into a vCPU: what the
/// deadlock check needs to know before it calls a halted vCPU stuck.
public struct VcpuEvents: Equatable, Sendable {
    /// An exception KVM will deliver (or is delivering) on the next entry.
    public var exceptionPending = false
    /// An external interrupt in the middle of delivery.
    public var interruptInjected = false
    /// NMIs latched for delivery, or one being delivered.
    public var nmiPending = false
    /// The vCPU is inside an NMI handler (NMIs blocked until iret).
    public var nmiMasked = false
    /// An SMI latched for delivery.
    public var smiPending = false
    /// An INIT latched while in SMM (delivered on rsm).
    public var initLatched = false
    public var tripleFaultPending = false

    public init() {}

    init(_ raw: kvm_vcpu_events) {
        exceptionPending = raw.exception.injected != 0 || raw.exception.pending != 0
        interruptInjected = raw.interrupt.injected != 0
        nmiPending = raw.nmi.pending != 0 || raw.nmi.injected != 0
        nmiMasked = raw.nmi.masked != 0
        smiPending = raw.smi.pending != 0
        initLatched = raw.smi.latched_init != 0
        tripleFaultPending = raw.triple_fault.pending != 0
    }

    /// Anything that makes the vCPU leave a halt on its own once it is entered again.
    public var anyPending: Bool {
        exceptionPending || interruptInjected || nmiPending || smiPending || initLatched || tripleFaultPending
    }
}

/// KVM_GET_MP_STATE values (struct kvm_mp_state).
public enum MPState {
    public static let runnable: UInt32 = 0
    /// An AP before INIT/SIPI.
    public static let uninitialized: UInt32 = 1
    /// INIT received, waiting for SIPI.
    public static let initReceived: UInt32 = 2
    /// `hlt` in the kernel: waits for an event that the CPU accepts.
    public static let halted: UInt32 = 3
    public static let sipiReceived: UInt32 = 4
}

extension VirtualCPU {
    /// KVM_GET_VCPU_EVENTS.
    public func events() throws(KVMError) -> VcpuEvents {
        var raw = kvm_vcpu_events()
        try fd.ioctl("KVM_GET_VCPU_EVENTS", CKVM_GET_VCPU_EVENTS, &raw)
        return VcpuEvents(raw)
    }

    /// KVM_GET_LAPIC: the in-kernel local APIC's register page (1 KiB; xAPIC offsets).
    public func localAPICPage() throws(KVMError) -> LocalAPICPage {
        var raw = kvm_lapic_state()
        try fd.ioctl("KVM_GET_LAPIC", CKVM_GET_LAPIC, &raw)
        return LocalAPICPage(bytes: withUnsafeBytes(of: raw.regs) { Array($0) })
    }
}

/// A local APIC register page as KVM_GET_LAPIC returns it.
public struct LocalAPICPage: Equatable, Sendable {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// The 32-bit register at `offset` (e.g. 0x350 for LVT LINT0); 0 outside the page.
    public func register(_ offset: Int) -> UInt32 {
        guard offset >= 0, offset + 4 <= bytes.count else { return 0 }
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }
}

extension VirtualMachine {
    /// KVM_GET_IRQCHIP for the in-kernel IOAPIC: its 24 redirection-table entries.
    public func ioapicRedirectionTable() throws(KVMError) -> [UInt64] {
        var chip = kvm_irqchip()
        chip.chip_id = UInt32(KVM_IRQCHIP_IOAPIC)
        try fd.ioctl("KVM_GET_IRQCHIP", CKVM_GET_IRQCHIP, &chip)
        // struct kvm_ioapic_state: base_address (8), ioregsel, id, irr, pad (4 each), then redirtbl[24].
        return withUnsafeBytes(of: chip.chip) { bytes in
            (0..<Int(KVM_IOAPIC_NUM_PINS)).map { bytes.loadUnaligned(fromByteOffset: 24 + 8 * $0, as: UInt64.self) }
        }
    }
}
