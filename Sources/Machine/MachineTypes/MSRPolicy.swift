/// Every MSR a guest's `rdmsr`/`wrmsr` can reach on a machine type, and what it does there. An MSR
/// not listed raises #GP, whatever the host CPU or its KVM would offer: swiftvm enforces the list with
/// KVM's MSR filter (default deny), so a host MSR such as IA32_ARCH_CAPABILITIES cannot leak in.
/// x2APIC MSRs (0x800–0x8FF) are the in-kernel LAPIC's and KVM does not let them be filtered.
public struct MSRPolicy: Sendable, Equatable {
    public enum Behaviour: Sendable, Equatable {
        /// KVM's model of the architectural register (common x86 code, the same on every vendor):
        /// guest writes are kept, reads return them.
        case kvm
        /// Identification or capability values the machine type fixes: reads return `value`, writing
        /// `value` back is accepted and changes nothing, any other write raises #GP. Answered by swiftvm.
        case constant(UInt64)
    }

    public struct Entry: Sendable, Equatable {
        public let indices: ClosedRange<UInt32>
        public let name: String
        public let behaviour: Behaviour

        public init(_ index: UInt32, _ name: String, _ behaviour: Behaviour) {
            self.init(index...index, name, behaviour)
        }

        public init(_ indices: ClosedRange<UInt32>, _ name: String, _ behaviour: Behaviour) {
            self.indices = indices
            self.name = name
            self.behaviour = behaviour
        }
    }

    public let entries: [Entry]

    public init(_ entries: [Entry]) { self.entries = entries }

    /// nil: the MSR is not part of the machine, and an access raises #GP.
    public func behaviour(of index: UInt32) -> Behaviour? {
        entries.first { $0.indices.contains(index) }?.behaviour
    }

    /// The MSRs KVM handles itself, in the entries' order: the MSR filter's allow list.
    public var kvmHandled: [UInt32] {
        entries.filter { $0.behaviour == .kvm }.flatMap(\.indices)
    }

    /// The answer to a guest `rdmsr` that the filter sent to user space: nil raises #GP.
    public func read(_ index: UInt32) -> UInt64? {
        if case let .constant(value)? = behaviour(of: index) { return value }
        return nil
    }

    /// Whether a guest `wrmsr` that the filter sent to user space is accepted (else #GP).
    public func acceptsWrite(_ index: UInt32, value: UInt64) -> Bool {
        read(index) == value
    }
}

extension MSRPolicy {
    /// swiftvm-1.0 and 1.1: exactly what their committed ABI baselines record (Reports/abi), made
    /// independent of the host: state registers the CPU model's features imply are KVM's, identification
    /// and capability registers are constants, everything else (ARCH_CAPABILITIES, FEATURE_CONTROL,
    /// TSC_AUX, AMD VM_CR, performance counters, …) raises #GP.
    public static let v1 = MSRPolicy([
        Entry(0x10, "IA32_TIME_STAMP_COUNTER", .kvm),
        Entry(0x11, "MSR_KVM_WALL_CLOCK", .kvm),
        Entry(0x12, "MSR_KVM_SYSTEM_TIME", .kvm),
        Entry(0x17, "IA32_PLATFORM_ID", .constant(0)),
        Entry(0x1B, "IA32_APIC_BASE", .kvm),
        Entry(0x48, "IA32_SPEC_CTRL", .constant(0)),
        Entry(0x8B, "IA32_BIOS_SIGN_ID (patch level)", .constant(0)),
        Entry(0xFE, "IA32_MTRRCAP (8 variable ranges, fixed ranges, WC)", .constant(0x508)),
        Entry(0x174...0x176, "IA32_SYSENTER_CS/ESP/EIP", .kvm),
        Entry(0x179, "IA32_MCG_CAP (32 banks)", .constant(0x20)),
        Entry(0x17A, "IA32_MCG_STATUS", .kvm),
        Entry(0x1A0, "IA32_MISC_ENABLE (fast strings)", .constant(1)),
        Entry(0x200...0x20F, "IA32_MTRR_PHYSBASE0–PHYSMASK7", .kvm),
        Entry(0x250, "IA32_MTRR_FIX64K_00000", .kvm),
        Entry(0x258...0x259, "IA32_MTRR_FIX16K_80000/A0000", .kvm),
        Entry(0x268...0x26F, "IA32_MTRR_FIX4K_C0000–F8000", .kvm),
        Entry(0x277, "IA32_PAT", .kvm),
        Entry(0x2FF, "IA32_MTRR_DEF_TYPE", .kvm),
        Entry(0x400...0x47F, "IA32_MC0–MC31 CTL/STATUS/ADDR/MISC", .kvm),
        Entry(0x4B56_4D00, "MSR_KVM_WALL_CLOCK_NEW", .kvm),
        Entry(0x4B56_4D01, "MSR_KVM_SYSTEM_TIME_NEW", .kvm),
        Entry(0x4B56_4D02, "MSR_KVM_ASYNC_PF_EN (not offered)", .constant(0)),
        Entry(0x4B56_4D03, "MSR_KVM_STEAL_TIME (not offered)", .constant(0)),
        Entry(0x4B56_4D04, "MSR_KVM_PV_EOI_EN", .kvm),
        Entry(0x4B56_4D05, "MSR_KVM_POLL_CONTROL (not offered)", .constant(1)),
        Entry(0xC000_0080, "IA32_EFER", .kvm),
        Entry(0xC000_0081...0xC000_0084, "STAR/LSTAR/CSTAR/SFMASK", .kvm),
        Entry(0xC000_0100...0xC000_0102, "FS_BASE/GS_BASE/KERNEL_GS_BASE", .kvm),
        Entry(0xC001_0015, "AMD HWCR", .constant(0)),
    ])
}
