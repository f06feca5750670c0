/// One guest-visible difference between two fingerprints, named the way people who know the
/// hardware talk about it ("CPUID.7.0:EBX[9] erms 1→0", "MADT: LAPIC 3 removed").
public struct ABIChange: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable { case added, removed, changed }
    /// Additive changes old guests cannot notice are compatible; anything a guest may rely on is breaking.
    public enum Compatibility: String, Codable, Sendable { case compatible, breaking }

    /// "cpuid", "memory-map", "acpi", "rsdp", "pci", "virtio", "local-apic", "io-apic", "msr", "ports", "cmos", "unknown".
    public var area: String
    /// What changed, e.g. "CPUID.7.0:EBX[9] erms", "MADT: LAPIC 3", "PCI 00:01.0 device ID".
    public var item: String
    public var kind: Kind
    public var old: String?
    public var new: String?
    public var compatibility: Compatibility
    /// Longer evidence, e.g. the unified diff of the disassembled AML (`iasl -d`) of a changed DSDT.
    /// Absent from older JSON; never part of `summary`.
    public var detail: String?
    /// The name of the waiver (`Reports/abi/waivers.cfg`) that accepts this change, when one does.
    public var waiver: String?
    /// The waiver's reason, copied so reports can show it without the file.
    public var waiverReason: String?

    public init(area: String, item: String, kind: Kind, old: String?, new: String?, compatibility: Compatibility,
                detail: String? = nil) {
        self.area = area
        self.item = item
        self.kind = kind
        self.old = old
        self.new = new
        self.compatibility = compatibility
        self.detail = detail
    }

    public var isWaived: Bool { waiver != nil }

    /// What the change is about, for drill-down: a CPUID leaf ("CPUID.7.0"), an ACPI table ("FACP",
    /// "DSDT"), a PCI function ("PCI 00:01.0"), or the area itself for flat areas.
    public var subject: String {
        switch area {
        case "cpuid":
            return String(item.prefix { $0 != ":" && $0 != " " })
        case "acpi":
            if item.hasPrefix("ACPI table ") { return String(item.dropFirst("ACPI table ".count)) }
            if item.hasPrefix("MADT") { return "APIC" }
            if item.hasPrefix("FADT") { return "FACP" }
            if item.hasPrefix("RSD PTR") { return "RSD PTR" }
            return String(item.prefix { $0 != " " && $0 != ":" })
        case "pci", "virtio":
            let words = item.split(separator: " ", maxSplits: 2)
            return words.count >= 2 && (words[0] == "PCI" || words[0] == "virtio") ? "\(words[0]) \(words[1])" : item
        default:
            return area
        }
    }

    /// One line: "CPUID.7.0:EBX[9] erms 1→0", "MADT: LAPIC 3 removed", "ACPI table HPET added".
    public var summary: String {
        switch kind {
        case .added: "\(item) added" + (new.map { " (\($0))" } ?? "")
        case .removed: "\(item) removed" + (old.map { " (was \($0))" } ?? "")
        case .changed:
            switch (old, new) {
            case let (a?, b?): "\(item) \(a)→\(b)"
            case let (nil, b?): "\(item): \(b)"
            case let (a?, nil): "\(item): was \(a)"
            case (nil, nil): "\(item) changed"
            }
        }
    }
}

/// The result of comparing two fingerprints.
public struct ABIDiffResult: Codable, Equatable, Sendable {
    public var old: String
    public var new: String
    public var changes: [ABIChange]
    /// Differences in how/where the two were captured (host, driver): never part of the ABI, shown so a
    /// reader can tell a host change from a VMM change.
    public var contextChanges: [String]
    /// Waivers that applied to this comparison's machine type but matched no change (stale: remove them).
    public var unusedWaivers: [String]
    /// What was not compared, and why (absent from older JSON).
    public var masked: [MaskedItem]

    public init(old: String, new: String, changes: [ABIChange], contextChanges: [String], unusedWaivers: [String] = [],
                masked: [MaskedItem] = []) {
        self.old = old
        self.new = new
        self.changes = changes
        self.contextChanges = contextChanges
        self.unusedWaivers = unusedWaivers
        self.masked = masked
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        old = try container.decode(String.self, forKey: .old)
        new = try container.decode(String.self, forKey: .new)
        changes = try container.decode([ABIChange].self, forKey: .changes)
        contextChanges = try container.decode([String].self, forKey: .contextChanges)
        unusedWaivers = try container.decodeIfPresent([String].self, forKey: .unusedWaivers) ?? []
        masked = try container.decodeIfPresent([MaskedItem].self, forKey: .masked) ?? []
    }

    /// The areas in report order; every area is listed even when nothing in it changed.
    public static let areas = ["cpuid", "programmed-cpuid", "memory-map", "acpi", "rsdp", "pci", "virtio", "local-apic", "io-apic",
                               "msr", "programmed-msr", "ports", "cmos", "unknown"]

    public var isIdentical: Bool { changes.isEmpty }
    public var breaking: [ABIChange] { changes.filter { $0.compatibility == .breaking } }
    /// Breaking changes no waiver accepts: what fails a diff.
    public var breakingUnwaived: [ABIChange] { changes.filter { $0.compatibility == .breaking && !$0.isWaived } }
    /// Changes no waiver accepts: what fails `tck abi check` (a baseline must match exactly).
    public var unwaived: [ABIChange] { changes.filter { !$0.isWaived } }
    public var waived: [ABIChange] { changes.filter(\.isWaived) }

    /// Plain text for terminals and logs.
    public var text: String {
        let waivedCount = waived.count
        var lines = ["ABI diff \(old) → \(new): " + (changes.isEmpty ? "identical"
            : "\(changes.count) change\(changes.count == 1 ? "" : "s"), \(breaking.count) breaking"
              + (waivedCount == 0 ? "" : ", \(waivedCount) waived"))]
        for area in Dictionary(grouping: changes, by: \.area).keys.sorted() {
            lines.append("  \(area):")
            for change in changes where change.area == area {
                var line = "    [\(change.compatibility == .breaking ? "breaking  " : "compatible")] \(change.summary)"
                if let waiver = change.waiver { line += "  (waived: \(waiver))" }
                lines.append(line)
            }
        }
        for name in unusedWaivers { lines.append("  warning: waiver [\(name)] matched no change (stale: remove it)") }
        lines += maskedText
        if !contextChanges.isEmpty {
            lines.append("  capture context (not ABI):")
            lines += contextChanges.map { "    \($0)" }
        }
        return lines.joined(separator: "\n")
    }

    /// "masked, not compared: N items", then one line per rule and side naming the items.
    public var maskedText: [String] {
        guard !masked.isEmpty else { return [] }
        var lines = ["  masked, not compared: \(masked.count) item\(masked.count == 1 ? "" : "s")"]
        for group in maskedGroups {
            let side = group.side == .both ? "" : " (\(group.side == .old ? old : new) only)"
            lines.append("    \(group.rule)\(side): \(group.items.joined(separator: ", ")) — \(group.why)")
        }
        return lines
    }

    /// Masked items grouped by rule and side, in a stable order: what reports list.
    public var maskedGroups: [(rule: String, side: MaskedItem.Side, why: String, items: [String])] {
        var groups: [(rule: String, side: MaskedItem.Side, why: String, items: [String])] = []
        for item in masked {
            if let index = groups.firstIndex(where: { $0.rule == item.rule && $0.side == item.side }) {
                groups[index].items.append(item.item)
            } else {
                groups.append((item.rule, item.side, item.why, [item.item]))
            }
        }
        return groups
    }
}
