import CKVM

/// One extended control register (XCR0 is the only one x86 defines) as KVM_GET_XCRS reports it.
public struct ExtendedControlRegister: Equatable, Sendable {
    public var index: UInt32
    public var value: UInt64
    public init(index: UInt32, value: UInt64) { self.index = index; self.value = value }
}

/// DR0–DR3, DR6 and DR7 (struct kvm_debugregs, less its flags, which are KVM's own).
public struct DebugRegisters: Equatable, Sendable {
    public var breakpoints: [UInt64] = [0, 0, 0, 0]
    /// Architectural reset values: DR6 0xFFFF0FF0, DR7 0x400.
    public var dr6: UInt64 = 0xFFFF_0FF0
    public var dr7: UInt64 = 0x400

    public init() {}

    public init(breakpoints: [UInt64], dr6: UInt64, dr7: UInt64) {
        precondition(breakpoints.count == 4, "DR0–DR3")
        self.breakpoints = breakpoints
        self.dr6 = dr6
        self.dr7 = dr7
    }
}

extension VirtualCPU {
    /// KVM_GET_XCRS.
    public func extendedControlRegisters() throws(KVMError) -> [ExtendedControlRegister] {
        var raw = kvm_xcrs()
        try fd.ioctl("KVM_GET_XCRS", CKVM_GET_XCRS, &raw)
        let count = min(Int(raw.nr_xcrs), Int(KVM_MAX_XCRS))
        return withUnsafeBytes(of: raw.xcrs) { bytes in
            let entries = bytes.bindMemory(to: kvm_xcr.self)
            return entries.prefix(count).map { ExtendedControlRegister(index: $0.xcr, value: $0.value) }
        }
    }

    /// KVM_SET_XCRS.
    public func setExtendedControlRegisters(_ registers: [ExtendedControlRegister]) throws(KVMError) {
        guard registers.count <= Int(KVM_MAX_XCRS) else {
            throw KVMError.protocolViolation("\(registers.count) XCRs; KVM_SET_XCRS takes at most \(KVM_MAX_XCRS)")
        }
        var raw = kvm_xcrs()
        raw.nr_xcrs = UInt32(registers.count)
        withUnsafeMutableBytes(of: &raw.xcrs) { bytes in
            let entries = bytes.bindMemory(to: kvm_xcr.self)
            for (slot, register) in zip(entries.indices, registers) {
                entries[slot] = kvm_xcr(xcr: register.index, reserved: 0, value: register.value)
            }
        }
        try fd.ioctl("KVM_SET_XCRS", CKVM_SET_XCRS, &raw)
    }

    /// KVM_GET_DEBUGREGS.
    public func debugRegisters() throws(KVMError) -> DebugRegisters {
        var raw = kvm_debugregs()
        try fd.ioctl("KVM_GET_DEBUGREGS", CKVM_GET_DEBUGREGS, &raw)
        return DebugRegisters(breakpoints: [raw.db.0, raw.db.1, raw.db.2, raw.db.3], dr6: raw.dr6, dr7: raw.dr7)
    }

    /// KVM_SET_DEBUGREGS.
    public func setDebugRegisters(_ registers: DebugRegisters) throws(KVMError) {
        var raw = kvm_debugregs()
        let db = registers.breakpoints
        raw.db = (db[0], db[1], db[2], db[3])
        raw.dr6 = registers.dr6
        raw.dr7 = registers.dr7
        try fd.ioctl("KVM_SET_DEBUGREGS", CKVM_SET_DEBUGREGS, &raw)
    }
}
