import CKVM

/// Everything KVM_GET_VCPU_EVENTS reports that a restore must put back: an exception, interrupt or NMI
/// on its way in, the interrupt shadow after `sti`/`mov ss`, NMI masking, the SIPI vector of an AP, and
/// SMM state. (`VcpuEvents` is the deadlock check's summary of the same ioctl.)
public struct VcpuEventState: Equatable, Sendable {
    public struct Exception: Equatable, Sendable {
        public var injected = false, pending = false, hasErrorCode = false
        public var vector: UInt8 = 0
        public var errorCode: UInt32 = 0
        public init() {}
    }

    public struct Interrupt: Equatable, Sendable {
        public var injected = false, soft = false
        public var vector: UInt8 = 0
        /// KVM_X86_SHADOW_INT_MOV_SS (1) | KVM_X86_SHADOW_INT_STI (2).
        public var shadow: UInt8 = 0
        public init() {}
    }

    public struct NMI: Equatable, Sendable {
        public var injected = false, pending = false, masked = false
        public init() {}
    }

    public struct SMI: Equatable, Sendable {
        public var inSMM = false, pending = false, insideNMI = false, latchedINIT = false
        public init() {}
    }

    public var exception = Exception()
    public var interrupt = Interrupt()
    public var nmi = NMI()
    public var sipiVector: UInt32 = 0
    public var smi = SMI()

    public init() {}

    init(_ raw: kvm_vcpu_events) {
        exception.injected = raw.exception.injected != 0
        exception.pending = raw.exception.pending != 0
        exception.hasErrorCode = raw.exception.has_error_code != 0
        exception.vector = raw.exception.nr
        exception.errorCode = raw.exception.error_code
        interrupt.injected = raw.interrupt.injected != 0
        interrupt.soft = raw.interrupt.soft != 0
        interrupt.vector = raw.interrupt.nr
        interrupt.shadow = raw.interrupt.shadow
        nmi.injected = raw.nmi.injected != 0
        nmi.pending = raw.nmi.pending != 0
        nmi.masked = raw.nmi.masked != 0
        sipiVector = raw.sipi_vector
        smi.inSMM = raw.smi.smm != 0
        smi.pending = raw.smi.pending != 0
        smi.insideNMI = raw.smi.smm_inside_nmi != 0
        smi.latchedINIT = raw.smi.latched_init != 0
    }

    /// The struct for KVM_SET_VCPU_EVENTS. NMI pending, the SIPI vector and the shadow are marked valid;
    /// SMM state only when it is not the default (machine types offer no SMM, and a host without
    /// KVM_CAP_X86_SMM refuses the flag).
    var raw: kvm_vcpu_events {
        var raw = kvm_vcpu_events()
        raw.exception.injected = exception.injected ? 1 : 0
        raw.exception.pending = exception.pending ? 1 : 0
        raw.exception.has_error_code = exception.hasErrorCode ? 1 : 0
        raw.exception.nr = exception.vector
        raw.exception.error_code = exception.errorCode
        raw.interrupt.injected = interrupt.injected ? 1 : 0
        raw.interrupt.soft = interrupt.soft ? 1 : 0
        raw.interrupt.nr = interrupt.vector
        raw.interrupt.shadow = interrupt.shadow
        raw.nmi.injected = nmi.injected ? 1 : 0
        raw.nmi.pending = nmi.pending ? 1 : 0
        raw.nmi.masked = nmi.masked ? 1 : 0
        raw.sipi_vector = sipiVector
        raw.flags = UInt32(KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR | KVM_VCPUEVENT_VALID_SHADOW)
        if smi != SMI() {
            raw.flags |= UInt32(KVM_VCPUEVENT_VALID_SMM)
            raw.smi.smm = smi.inSMM ? 1 : 0
            raw.smi.pending = smi.pending ? 1 : 0
            raw.smi.smm_inside_nmi = smi.insideNMI ? 1 : 0
            raw.smi.latched_init = smi.latchedINIT ? 1 : 0
        }
        return raw
    }
}

extension VirtualCPU {
    /// KVM_GET_VCPU_EVENTS, all of it.
    public func eventState() throws(KVMError) -> VcpuEventState {
        var raw = kvm_vcpu_events()
        try fd.ioctl("KVM_GET_VCPU_EVENTS", CKVM_GET_VCPU_EVENTS, &raw)
        return VcpuEventState(raw)
    }

    /// KVM_SET_VCPU_EVENTS.
    public func setEventState(_ state: VcpuEventState) throws(KVMError) {
        var raw = state.raw
        try fd.ioctl("KVM_SET_VCPU_EVENTS", CKVM_SET_VCPU_EVENTS, &raw)
    }

    /// KVM_SET_MP_STATE (`MPState` values).
    public func setMPState(_ state: UInt32) throws(KVMError) {
        var raw = kvm_mp_state(mp_state: state)
        try fd.ioctl("KVM_SET_MP_STATE", CKVM_SET_MP_STATE, &raw)
    }

    /// KVM_SET_LAPIC: the in-kernel local APIC's register page (exactly 1 KiB). Set it after the special
    /// registers (their APIC base decides xAPIC or x2APIC mode) and before MP state and events.
    public func setLocalAPICPage(_ page: LocalAPICPage) throws(KVMError) {
        var raw = kvm_lapic_state()
        guard page.bytes.count == MemoryLayout.size(ofValue: raw.regs) else {
            throw KVMError.protocolViolation("a local APIC page of \(page.bytes.count) bytes; KVM_SET_LAPIC takes \(MemoryLayout.size(ofValue: raw.regs))")
        }
        withUnsafeMutableBytes(of: &raw.regs) { $0.copyBytes(from: page.bytes) }
        try fd.ioctl("KVM_SET_LAPIC", CKVM_SET_LAPIC, &raw)
    }
}
