/// The semantic diff engine: compares two fingerprints area by area and names each difference.
public enum ABIDiff {
    public static func compare(_ old: Fingerprint, _ new: Fingerprint, oldName: String = "old", newName: String = "new") -> ABIDiffResult {
        var changes: [ABIChange] = []
        changes += CPUIDDiff.compare(old.abi.cpuid, new.abi.cpuid)
        changes += memoryMap(old.abi.memoryMap, new.abi.memoryMap)
        changes += ACPIDiff.compare(old.abi.acpi, new.abi.acpi)
        if old.abi.rsdp != new.abi.rsdp {
            changes.append(ABIChange(area: "rsdp", item: "RSDP location (boot info, legacy scan)", kind: .changed,
                                     old: old.abi.rsdp.map { "\($0.bootInfo), \($0.legacyScan)" },
                                     new: new.abi.rsdp.map { "\($0.bootInfo), \($0.legacyScan)" }, compatibility: .breaking))
        }
        changes += PCIDiff.compare(old.abi, new.abi)
        changes += map(area: "local-apic", label: "LAPIC register", old.abi.localAPIC, new.abi.localAPIC)
        changes += map(area: "io-apic", label: "IOAPIC register", old.abi.ioAPIC, new.abi.ioAPIC)
        changes += msr(old.abi.msr, new.abi.msr)
        changes += map(area: "ports", label: "port", old.abi.ports, new.abi.ports)
        changes += map(area: "cmos", label: "CMOS byte", old.abi.cmos, new.abi.cmos)
        changes += map(area: "unknown", label: "record", old.abi.unknown, new.abi.unknown)
        return ABIDiffResult(old: oldName, new: newName, changes: changes, contextChanges: context(old, new))
    }

    /// Key → value maps: added keys are compatible (nothing old could rely on them), removed or changed are not.
    static func map(area: String, label: String, _ old: [String: String], _ new: [String: String]) -> [ABIChange] {
        Set(old.keys).union(new.keys).sorted().compactMap { key in
            switch (old[key], new[key]) {
            case let (nil, value?): ABIChange(area: area, item: "\(label) \(key)", kind: .added, old: nil, new: value, compatibility: .compatible)
            case let (value?, nil): ABIChange(area: area, item: "\(label) \(key)", kind: .removed, old: value, new: nil, compatibility: .breaking)
            case let (a?, b?) where a != b: ABIChange(area: area, item: "\(label) \(key)", kind: .changed, old: a, new: b, compatibility: .breaking)
            default: nil
            }
        }
    }

    static func memoryMap(_ old: [MemoryRange], _ new: [MemoryRange]) -> [ABIChange] {
        func describe(_ range: MemoryRange) -> String {
            "size \(range.size) type \(range.type)\(range.type == 1 ? " (RAM)" : range.type == 2 ? " (reserved)" : "")"
        }
        let before = Dictionary(old.map { ($0.address, describe($0)) }, uniquingKeysWith: { $1 })
        let after = Dictionary(new.map { ($0.address, describe($0)) }, uniquingKeysWith: { $1 })
        return map(area: "memory-map", label: "range at", before, after)
    }

    static func msr(_ old: [String: MSRValue], _ new: [String: MSRValue]) -> [ABIChange] {
        Set(old.keys).union(new.keys).sorted().compactMap { index in
            let item = "MSR \(index)"
            switch (old[index], new[index]) {
            case let (nil, value?): return ABIChange(area: "msr", item: item, kind: .added, old: nil, new: value.value, compatibility: .compatible)
            case let (value?, nil): return ABIChange(area: "msr", item: item, kind: .removed, old: value.value, new: nil, compatibility: .breaking)
            case let (a?, b?) where a != b:
                // Becoming readable adds something; becoming #GP or changing value can break a guest.
                let compatible = !a.readable && b.readable
                return ABIChange(area: "msr", item: item, kind: .changed, old: a.value, new: b.value,
                                 compatibility: compatible ? .compatible : .breaking)
            default: return nil
            }
        }
    }

    static func context(_ old: Fingerprint, _ new: Fingerprint) -> [String] {
        var lines: [String] = []
        func note(_ what: String, _ a: String, _ b: String) { if a != b { lines.append("\(what): \(a) → \(b)") } }
        note("machine", old.machine, new.machine)
        note("vCPUs", "\(old.cpus)", "\(new.cpus)")
        note("memory", "\(old.memoryBytes)", "\(new.memoryBytes)")
        note("driver", "\(old.context.driver) \(old.context.driverVersion)", "\(new.context.driver) \(new.context.driverVersion)")
        note("host kernel", old.context.hostKernel, new.context.hostKernel)
        note("host CPU", old.context.hostCPU, new.context.hostCPU)
        note("KVM", old.context.kvm, new.context.kvm)
        note("KVM-supported CPUID", old.context.kvmSupportedCPUIDHash ?? "unknown", new.context.kvmSupportedCPUIDHash ?? "unknown")
        return lines
    }
}
