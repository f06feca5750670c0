import CKVM

/// KVM capabilities this VMM asks about (KVM_CHECK_EXTENSION arguments).
public enum Capability: Int32, CaseIterable, Sendable {
    case irqchip = 0            // KVM_CAP_IRQCHIP
    case userMemory = 3         // KVM_CAP_USER_MEMORY
    case setTSSAddress = 4      // KVM_CAP_SET_TSS_ADDR
    case extendedCPUID = 7      // KVM_CAP_EXT_CPUID
    case mpState = 14           // KVM_CAP_MP_STATE
    case maxVCPUs = 66          // KVM_CAP_MAX_VCPUS
    case nrVCPUs = 9            // KVM_CAP_NR_VCPUS
    case setIdentityMapAddress = 37 // KVM_CAP_SET_IDENTITY_MAP_ADDR
    case pit2 = 33              // KVM_CAP_PIT2
    case immediateExit = 136    // KVM_CAP_IMMEDIATE_EXIT
    case userSpaceMSR = 188     // KVM_CAP_X86_USER_SPACE_MSR
    case msrFilter = 189        // KVM_CAP_X86_MSR_FILTER
    case irqRouting = 25        // KVM_CAP_IRQ_ROUTING
    case irqfd = 32             // KVM_CAP_IRQFD
    case ioeventfd = 36         // KVM_CAP_IOEVENTFD
    case ioeventfdAnyLength = 122 // KVM_CAP_IOEVENTFD_ANY_LENGTH
    // What a snapshot reads and writes (swiftvm's save/restore; `SnapshotCapabilities`).
    case pitState2 = 35         // KVM_CAP_PIT_STATE2
    case adjustClock = 39       // KVM_CAP_ADJUST_CLOCK
    case vcpuEvents = 41        // KVM_CAP_VCPU_EVENTS
    case debugRegisters = 50    // KVM_CAP_DEBUGREGS
    case xsave = 55             // KVM_CAP_XSAVE
    case xcrs = 56              // KVM_CAP_XCRS

    public var name: String {
        switch self {
        case .irqchip: "KVM_CAP_IRQCHIP"
        case .userMemory: "KVM_CAP_USER_MEMORY"
        case .setTSSAddress: "KVM_CAP_SET_TSS_ADDR"
        case .extendedCPUID: "KVM_CAP_EXT_CPUID"
        case .mpState: "KVM_CAP_MP_STATE"
        case .maxVCPUs: "KVM_CAP_MAX_VCPUS"
        case .nrVCPUs: "KVM_CAP_NR_VCPUS"
        case .setIdentityMapAddress: "KVM_CAP_SET_IDENTITY_MAP_ADDR"
        case .pit2: "KVM_CAP_PIT2"
        case .immediateExit: "KVM_CAP_IMMEDIATE_EXIT"
        case .userSpaceMSR: "KVM_CAP_X86_USER_SPACE_MSR"
        case .msrFilter: "KVM_CAP_X86_MSR_FILTER"
        case .irqRouting: "KVM_CAP_IRQ_ROUTING"
        case .irqfd: "KVM_CAP_IRQFD"
        case .ioeventfd: "KVM_CAP_IOEVENTFD"
        case .ioeventfdAnyLength: "KVM_CAP_IOEVENTFD_ANY_LENGTH"
        case .pitState2: "KVM_CAP_PIT_STATE2"
        case .adjustClock: "KVM_CAP_ADJUST_CLOCK"
        case .vcpuEvents: "KVM_CAP_VCPU_EVENTS"
        case .debugRegisters: "KVM_CAP_DEBUGREGS"
        case .xsave: "KVM_CAP_XSAVE"
        case .xcrs: "KVM_CAP_XCRS"
        }
    }

    /// What swiftvm cannot run without. The MSR filter and user-space MSR exits are how a machine type,
    /// not the host, decides every MSR a guest can reach; the routing table wires ISA IRQs as the MADT
    /// says; irqfds and ioeventfds carry virtio's interrupts and notifications. Any-length ioeventfds
    /// are optional: without them a virtio kick is an MMIO exit, slower but correct.
    public static let required: [Capability] = [.irqchip, .userMemory, .setTSSAddress, .extendedCPUID, .pit2, .immediateExit,
                                                .userSpaceMSR, .msrFilter, .irqRouting, .irqfd, .ioeventfd]

    /// What saving or restoring a VM needs besides `required` (XSAVE is optional: the FPU ioctls stand in).
    public static let snapshot: [Capability] = [.pitState2, .adjustClock, .vcpuEvents, .debugRegisters, .xcrs]
}
