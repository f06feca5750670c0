import Foundation

/// The semantic diff engine: compares two fingerprints area by area and names each difference.
public enum ABIDiff {
    /// `disassembler` turns DSDT/SSDT changes into ASL diffs (tck passes iasl); without one they are a
    /// byte note, and breaking.
    public static func compare(_ old: Fingerprint, _ new: Fingerprint, oldName: String = "old", newName: String = "new",
                               disassembler: (any ASLDisassembler)? = nil) -> ABIDiffResult {
        var changes: [ABIChange] = []
        let cpuid = CPUIDDiff.compare(old.abi.cpuid, new.abi.cpuid)
        changes += cpuid.changes
        changes += memoryMap(old.abi.memoryMap, new.abi.memoryMap)
        changes += ACPIDiff.compare(old.abi.acpi, new.abi.acpi, disassembler: disassembler)
        if old.abi.rsdp != new.abi.rsdp {
            changes.append(ABIChange(area: "rsdp", item: "RSDP location (boot info, legacy scan)", kind: .changed,
                                     old: old.abi.rsdp.map { "\($0.bootInfo), \($0.legacyScan)" },
                                     new: new.abi.rsdp.map { "\($0.bootInfo), \($0.legacyScan)" }, compatibility: .breaking))
        }
        changes += PCIDiff.compare(old.abi, new.abi)
        let virtio = VirtioDiff.compare(old.abi.virtio, new.abi.virtio)
        changes += virtio.changes
        changes += map(area: "local-apic", label: "LAPIC register", old.abi.localAPIC, new.abi.localAPIC)
        changes += map(area: "io-apic", label: "IOAPIC register", old.abi.ioAPIC, new.abi.ioAPIC)
        changes += msr(old.abi.msr, new.abi.msr)
        changes += map(area: "ports", label: "port", old.abi.ports, new.abi.ports)
        changes += map(area: "cmos", label: "CMOS byte", old.abi.cmos, new.abi.cmos)
        changes += map(area: "unknown", label: "record", old.abi.unknown, new.abi.unknown)
        let (programmedChanges, notCaptured) = programmed(old, new)
        changes += programmedChanges
        // A difference in something either side masked is not a change: it is listed as masked.
        var masked = MaskedItem.between(old, new)
        for item in cpuid.masked + notCaptured where !masked.contains(where: { $0.item == item.item }) { masked.append(item) }
        let rules = MaskRules.all.filter { old.masked.contains($0.name) || new.masked.contains($0.name) }
        func cover(_ change: ABIChange) -> MaskedItem? {
            guard change.area == "cpuid" else { return nil }
            if let item = masked.first(where: { $0.covers(change) }) { return item }
            return rules.first { $0.covers(change.item) }.map { rule in
                let side: MaskedItem.Side = old.masked.contains(rule.name) ? (new.masked.contains(rule.name) ? .both : .old) : .new
                return MaskedItem(item: change.item, rule: rule.name, why: rule.why, side: side)
            }
        }
        let hidden = changes.filter { cover($0) != nil }
        for change in hidden where !masked.contains(where: { $0.item == change.item }) {
            let rule = cover(change)!
            masked.append(MaskedItem(item: change.item, rule: rule.rule, why: rule.why, side: rule.side))
        }
        changes.removeAll { change in hidden.contains(change) }
        return ABIDiffResult(old: oldName, new: newName, changes: changes, contextChanges: context(old, new) + virtio.context, masked: masked)
    }

    /// The tables the VMM programmed into KVM, compared strictly; a side without them is a masked item.
    static func programmed(_ old: Fingerprint, _ new: Fingerprint) -> (changes: [ABIChange], masked: [MaskedItem]) {
        switch (old.programmed, new.programmed) {
        case let (a?, b?):
            return (CPUIDDiff.compare(a.cpuid, b.cpuid, area: "programmed-cpuid").changes
                    + map(area: "programmed-msr", label: "MSR", a.msr, b.msr), [])
        case (nil, nil):
            return ([], [])
        case let (a, _):
            let missing = a == nil ? old : new
            return ([], [MaskedItem(item: "programmed tables (KVM_SET_CPUID2, MSR filter)", rule: "not captured",
                                    why: "the \(missing.context.driver) driver cannot tell what it programmed into KVM",
                                    side: a == nil ? .old : .new)])
        }
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

    /// Memory map ranges, matched by start address (a repeated address is "#2", "#3"). More RAM is
    /// compatible, less is breaking; a new range is compatible unless it is a hole in RAM the guest had;
    /// a removed range or a changed type is breaking.
    static func memoryMap(_ old: [MemoryRange], _ new: [MemoryRange]) -> [ABIChange] {
        func keyed(_ ranges: [MemoryRange]) -> [(String, MemoryRange)] {
            var seen: [String: Int] = [:]
            return ranges.map { range in
                seen[range.address, default: 0] += 1
                let count = seen[range.address]!
                return (count == 1 ? range.address : "\(range.address) #\(count)", range)
            }
        }
        let before = Dictionary(keyed(old), uniquingKeysWith: { a, _ in a })
        let after = Dictionary(keyed(new), uniquingKeysWith: { a, _ in a })
        let oldRAM = old.filter { $0.type == 1 }.compactMap(bounds)
        var changes: [ABIChange] = []
        for key in Set(before.keys).union(after.keys).sorted() {
            switch (before[key], after[key]) {
            case let (nil, range?):
                let takesRAM = range.type != 1 && bounds(range).map { r in oldRAM.contains { $0.overlaps(r) } } == true
                changes.append(ABIChange(area: "memory-map", item: "range at \(key)", kind: .added, old: nil, new: describe(range),
                                         compatibility: takesRAM ? .breaking : .compatible))
            case let (range?, nil):
                changes.append(ABIChange(area: "memory-map", item: "range at \(key)", kind: .removed, old: describe(range), new: nil,
                                         compatibility: .breaking))
            case let (a?, b?) where a != b:
                let grows = (UInt64(b.size.dropFirst(2), radix: 16) ?? 0) > (UInt64(a.size.dropFirst(2), radix: 16) ?? 0)
                let compatible = a.type == 1 && b.type == 1 && grows
                changes.append(ABIChange(area: "memory-map", item: "range at \(key)", kind: .changed, old: describe(a), new: describe(b),
                                         compatibility: compatible ? .compatible : .breaking))
            default:
                break
            }
        }
        return changes
    }

    static func describe(_ range: MemoryRange) -> String {
        let names: [UInt32: String] = [1: "RAM", 2: "reserved", 3: "ACPI reclaimable", 4: "ACPI NVS", 5: "unusable", 7: "persistent"]
        let size = UInt64(range.size.dropFirst(2), radix: 16) ?? 0
        return "size \(range.size)\(size == 0 ? "" : " (\(humanSize(size)))") type \(range.type)" + (names[range.type].map { " (\($0))" } ?? "")
    }

    static func humanSize(_ bytes: UInt64) -> String {
        for (shift, unit) in [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")] where bytes >= 1 << shift {
            let value = Double(bytes) / Double(UInt64(1) << shift)
            return value == value.rounded() ? "\(UInt64(value)) \(unit)" : String(format: "%.1f %@", value, unit)
        }
        return "\(bytes) B"
    }

    private static func bounds(_ range: MemoryRange) -> Range<UInt64>? {
        guard let start = UInt64(range.address.dropFirst(2), radix: 16), let size = UInt64(range.size.dropFirst(2), radix: 16),
              size > 0 else { return nil }
        let (end, overflow) = start.addingReportingOverflow(size)
        return start..<(overflow ? UInt64.max : end)
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
