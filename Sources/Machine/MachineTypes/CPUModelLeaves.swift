import KVM

extension CPUModel {
    /// Every CPUID leaf for the vCPU with `apicID` in a machine of `cpuCount` vCPUs (one socket of
    /// single-threaded cores; APIC id = vCPU index). Feature registers carry exactly the model's features.
    public func entries(apicID: UInt32, cpuCount: Int) throws(CPUModelError) -> [CPUIDEntry] {
        var entries = baseLeaves(apicID: apicID, cpuCount: cpuCount) + extendedLeaves(cpuCount: cpuCount) + kvmLeaves
        for feature in try features() {
            guard let index = entries.firstIndex(where: { $0.function == feature.leaf && $0.index == feature.subleaf }) else {
                continue   // a leaf beyond this model's limits: the feature cannot be seen, so it is not set
            }
            entries[index].set(feature.register, to: entries[index].value(of: feature.register) | feature.mask)
        }
        return entries
    }

    private func baseLeaves(apicID: UInt32, cpuCount: Int) -> [CPUIDEntry] {
        let count = UInt32(min(cpuCount, 255))
        let vendorWords = words(vendor.rawValue, count: 3)
        var leaves = [
            CPUIDEntry(function: 0, eax: maxBasicLeaf, ebx: vendorWords[0], ecx: vendorWords[2], edx: vendorWords[1]),
            // EBX: APIC id, addressable logical CPUs, CLFLUSH line size 8 × 8 bytes. EDX[28] HTT when > 1 CPU.
            CPUIDEntry(function: 1, eax: signature, ebx: apicID << 24 | count << 16 | 8 << 8, edx: count > 1 ? 1 << 28 : 0),
        ]
        for leaf in UInt32(2)...maxBasicLeaf {
            switch leaf {
            case 7: leaves.append(CPUIDEntry(function: 7, index: 0, flags: CPUIDEntry.significantIndex))
            case 0xB: leaves += topologyLeaves(apicID: apicID, cpuCount: cpuCount)
            case 4, 0xD: leaves.append(CPUIDEntry(function: leaf, index: 0, flags: CPUIDEntry.significantIndex))
            default: leaves.append(CPUIDEntry(function: leaf))
            }
        }
        return leaves
    }

    /// Leaf 0xB: level 0 SMT (1 thread per core), level 1 core (`cpuCount` cores), level 2 invalid.
    private func topologyLeaves(apicID: UInt32, cpuCount: Int) -> [CPUIDEntry] {
        let shift = UInt32(max(0, Int.bitWidth - (cpuCount - 1).leadingZeroBitCount))
        let flags = CPUIDEntry.significantIndex
        return [
            CPUIDEntry(function: 0xB, index: 0, flags: flags, eax: 0, ebx: 1, ecx: 1 << 8, edx: apicID),
            CPUIDEntry(function: 0xB, index: 1, flags: flags, eax: shift, ebx: UInt32(cpuCount), ecx: 2 << 8 | 1, edx: apicID),
            CPUIDEntry(function: 0xB, index: 2, flags: flags, eax: 0, ebx: 0, ecx: 2, edx: apicID),
        ]
    }

    private func extendedLeaves(cpuCount: Int) -> [CPUIDEntry] {
        let vendorWords = words(vendor.rawValue, count: 3)
        let brandWords = words(brand, count: 12, terminated: true)
        var leaves = [CPUIDEntry(function: 0x8000_0000, eax: maxExtendedLeaf, ebx: vendorWords[0], ecx: vendorWords[2], edx: vendorWords[1])]
        for leaf in UInt32(0x8000_0001)...maxExtendedLeaf {
            switch leaf {
            case 0x8000_0001: leaves.append(CPUIDEntry(function: leaf, eax: signature))
            case 0x8000_0002...0x8000_0004:
                let first = Int(leaf - 0x8000_0002) * 4
                leaves.append(CPUIDEntry(function: leaf, eax: brandWords[first], ebx: brandWords[first + 1],
                                         ecx: brandWords[first + 2], edx: brandWords[first + 3]))
            // L1 and L2 cache and TLB descriptions: fixed, so they never follow the host.
            case 0x8000_0005: leaves.append(CPUIDEntry(function: leaf, eax: 0xFF40_FF18, ebx: 0xFF40_FF30, ecx: 0x2004_0140, edx: 0x4004_0140))
            case 0x8000_0006: leaves.append(CPUIDEntry(function: leaf, eax: 0, ebx: 0x4200_4200, ecx: 0x0200_8140, edx: 0))
            case 0x8000_0008:
                leaves.append(CPUIDEntry(function: leaf, eax: virtualAddressBits << 8 | physicalAddressBits,
                                         ecx: UInt32(cpuCount - 1) & 0xFF))
            default: leaves.append(CPUIDEntry(function: leaf))
            }
        }
        return leaves
    }

    /// The KVM paravirtual leaves: signature "KVMKVMKVM", features from the model's kvm_* names.
    private var kvmLeaves: [CPUIDEntry] {
        let signature = words("KVMKVMKVM", count: 3)
        return [CPUIDEntry(function: 0x4000_0000, eax: 0x4000_0001, ebx: signature[0], ecx: signature[1], edx: signature[2]),
                CPUIDEntry(function: 0x4000_0001)]
    }

    /// `text` as little-endian 32-bit words, NUL-padded to `count` words; with `terminated`, the last
    /// byte is always NUL (the brand string), else all `count × 4` bytes may be text (vendor, signature).
    private func words(_ text: String, count: Int, terminated: Bool = false) -> [UInt32] {
        let bytes = Array(text.utf8.prefix(count * 4 - (terminated ? 1 : 0))) + Array(repeating: 0, count: count * 4)
        return (0..<count).map { word in
            (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[word * 4 + $1]) << ($1 * 8) }
        }
    }
}
