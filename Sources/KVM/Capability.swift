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
        }
    }

    /// What swiftvm cannot run without. The MSR filter and user-space MSR exits are how a machine type,
    /// not the host, decides every MSR a guest can reach; the routing table wires ISA IRQs as the MADT
    /// says; irqfds and ioeventfds carry virtio's interrupts and notifications. Any-length ioeventfds
    /// are optional: without them a virtio kick is an MMIO exit, slower but correct.
    public static let required: [Capability] = [.irqchip, .userMemory, .setTSSAddress, .extendedCPUID, .pit2, .immediateExit,
                                                .userSpaceMSR, .msrFilter, .irqRouting, .irqfd, .ioeventfd]
}
