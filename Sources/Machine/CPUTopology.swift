import KVM

/// Fills the CPUID leaves that describe one vCPU's place in the machine. KVM_GET_SUPPORTED_CPUID leaves
/// them zero (it cannot know the VM's shape); without them a guest cannot count its CPUs or tell them apart.
///
/// The machine is modelled as one socket of `cpuCount` single-threaded cores, APIC id = vCPU index.
/// (Issue "stable guest ABI" replaces the host pass-through with a fixed, versioned CPU model.)
public enum CPUTopology {
    public static func entries(from supported: [CPUIDEntry], apicID: UInt32, cpuCount: Int) -> [CPUIDEntry] {
        let count = UInt32(cpuCount)
        return supported.map { entry in
            var entry = entry
            switch (entry.function, entry.index) {
            case (0x1, _):
                // EBX[31:24] initial APIC id, [23:16] addressable logical processors; EDX[28] HTT when > 1.
                entry.ebx = (entry.ebx & 0x0000_FFFF) | (apicID << 24) | (min(count, 255) << 16)
                entry.edx = count > 1 ? entry.edx | (1 << 28) : entry.edx & ~(1 << 28)
            case (0xB, 0):
                // SMT level: 1 thread per core; EDX: x2APIC id.
                entry = CPUIDEntry(function: 0xB, index: 0, flags: entry.flags, eax: 0, ebx: 1, ecx: (1 << 8), edx: apicID)
            case (0xB, 1):
                // Core level: `count` cores; shift wide enough for every APIC id.
                let shift = UInt32(max(0, Int.bitWidth - (cpuCount - 1).leadingZeroBitCount))
                entry = CPUIDEntry(function: 0xB, index: 1, flags: entry.flags, eax: shift, ebx: count, ecx: (2 << 8) | 1, edx: apicID)
            case (0x8000_0008, _):
                // AMD: ECX[7:0] = cores - 1.
                entry.ecx = (entry.ecx & ~0xFF) | ((count - 1) & 0xFF)
            default:
                break
            }
            return entry
        }
    }
}
