import KVM

/// Everything KVM keeps for one vCPU that a restore must put back, read on the vCPU's own thread after a
/// KVM_RUN with immediate_exit set has completed any pending I/O (so RIP is past an `out` that asked for
/// the save). The MSRs are the machine type's list (`VcpuState.savedMSRs`), never the host's.
struct VcpuState: Equatable, Sendable {
    var id: UInt32
    var registers: Registers
    var specialRegisters: SpecialRegisters
    var fpu: FPUState
    var extendedControlRegisters: [ExtendedControlRegister]
    var debugRegisters: DebugRegisters
    var msrs: [MSRValue]
    var mpState: UInt32
    var events: VcpuEventState
    var localAPIC: LocalAPICPage

    /// What a capture needs to know about the machine and host.
    struct Capture: Sendable {
        /// MSR indices to read, in order.
        let msrs: [UInt32]
        /// KVM_CAP_XSAVE: the FPU state through KVM_GET_XSAVE (else KVM_GET_FPU, which loses MXCSR).
        let xsave: Bool
    }

    /// MSRs carried by the special registers instead (APIC base, EFER, FS and GS base): not saved twice.
    static let carriedBySpecialRegisters: Set<UInt32> = [0x1B, 0xC000_0080, 0xC000_0100, 0xC000_0101]

    /// The MSRs a snapshot saves for `policy`: every one KVM handles for the guest (the machine type's
    /// list, identical on every host), less those in the special registers, in index order. The
    /// machine type's constants are not state: the policy answers them the same after a restore.
    static func savedMSRs(_ policy: MSRPolicy) -> [UInt32] {
        Set(policy.kvmHandled).subtracting(carriedBySpecialRegisters).sorted()
    }

    /// Reads the whole state. Call on the vCPU's thread while it is out of KVM_RUN.
    static func capture(_ vcpu: VirtualCPU, _ capture: Capture) throws(KVMError) -> VcpuState {
        VcpuState(id: vcpu.id, registers: try vcpu.registers(), specialRegisters: try vcpu.specialRegisters(),
                  fpu: try vcpu.fpuState(xsave: capture.xsave), extendedControlRegisters: try vcpu.extendedControlRegisters(),
                  debugRegisters: try vcpu.debugRegisters(), msrs: try vcpu.readMSRs(capture.msrs), mpState: try vcpu.mpState(),
                  events: try vcpu.eventState(), localAPIC: try vcpu.localAPICPage())
    }

    /// Puts the state into a freshly created vCPU (CPUID already set), in the order the KVM API and
    /// QEMU's kvm_arch_put_registers follow: special registers first (their APIC base picks the local
    /// APIC's mode), the local APIC before the MSRs that arm its timer and before MP state and events,
    /// the MSRs (TSC included), FPU, XCRs, general registers, events, MP state, debug registers last.
    func apply(to vcpu: VirtualCPU, xsave: Bool) throws(KVMError) {
        try vcpu.setSpecialRegisters(specialRegisters)
        try vcpu.setLocalAPICPage(localAPIC)
        try vcpu.writeMSRs(msrs)
        try vcpu.setFPUState(fpu, xsave: xsave)
        if !extendedControlRegisters.isEmpty { try vcpu.setExtendedControlRegisters(extendedControlRegisters) }
        try vcpu.setRegisters(registers)
        try vcpu.setEventState(events)
        try vcpu.setMPState(mpState)
        try vcpu.setDebugRegisters(debugRegisters)
    }
}

/// The VM-wide state KVM keeps: both PICs, the IOAPIC, the PIT and kvmclock.
struct VMState: Equatable, Sendable {
    var picMaster: PICState
    var picSlave: PICState
    var ioapic: IOAPICState
    var pit: PITState
    /// KVM_GET_CLOCK, nanoseconds.
    var clock: UInt64

    static func capture(_ vm: VirtualMachine) throws(KVMError) -> VMState {
        VMState(picMaster: try vm.picState(slave: false), picSlave: try vm.picState(slave: true), ioapic: try vm.ioapicState(),
                pit: try vm.pitState(), clock: try vm.kvmClock())
    }

    /// The interrupt controllers and the PIT: before any device drives a line and before the vCPUs.
    func applyChipsAndTimer(to vm: VirtualMachine) throws(KVMError) {
        try vm.setPICState(picMaster, slave: false)
        try vm.setPICState(picSlave, slave: true)
        try vm.setIOAPICState(ioapic)
        try vm.setPITState(pit)
    }

    /// kvmclock last, once every vCPU's TSC and kvmclock MSRs are back (QEMU sets it on resume too).
    func applyClock(to vm: VirtualMachine) throws(KVMError) {
        try vm.setKVMClock(clock)
    }
}
