/// One guest-visible difference between two fingerprints, named the way people who know the
/// hardware talk about it ("CPUID.7.0:EBX[9] erms 1→0", "MADT: LAPIC 3 removed").
public struct ABIChange: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable { case added, removed, changed }
    /// Additive changes old guests cannot notice are compatible; anything a guest may rely on is breaking.
    public enum Compatibility: String, Codable, Sendable { case compatible, breaking }

    /// "cpuid", "memory-map", "acpi", "rsdp", "pci", "local-apic", "io-apic", "msr", "ports", "cmos", "unknown".
    public var area: String
    /// What changed, e.g. "CPUID.7.0:EBX[9] erms", "MADT: LAPIC 3", "PCI 00:01.0 device ID".
    public var item: String
    public var kind: Kind
    public var old: String?
    public var new: String?
    public var compatibility: Compatibility

    public init(area: String, item: String, kind: Kind, old: String?, new: String?, compatibility: Compatibility) {
        self.area = area
        self.item = item
        self.kind = kind
        self.old = old
        self.new = new
        self.compatibility = compatibility
    }

    /// One line: "CPUID.7.0:EBX[9] erms 1→0", "MADT: LAPIC 3 removed", "ACPI table HPET added".
    public var summary: String {
        switch kind {
        case .added: "\(item) added" + (new.map { " (\($0))" } ?? "")
        case .removed: "\(item) removed" + (old.map { " (was \($0))" } ?? "")
        case .changed: "\(item) \(old ?? "?")→\(new ?? "?")"
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

    public var isIdentical: Bool { changes.isEmpty }
    public var breaking: [ABIChange] { changes.filter { $0.compatibility == .breaking } }

    /// Plain text for terminals and logs.
    public var text: String {
        var lines = ["ABI diff \(old) → \(new): " + (changes.isEmpty ? "identical"
            : "\(changes.count) change\(changes.count == 1 ? "" : "s"), \(breaking.count) breaking")]
        for area in Dictionary(grouping: changes, by: \.area).keys.sorted() {
            lines.append("  \(area):")
            for change in changes where change.area == area {
                lines.append("    [\(change.compatibility == .breaking ? "breaking  " : "compatible")] \(change.summary)")
            }
        }
        if !contextChanges.isEmpty {
            lines.append("  capture context (not ABI):")
            lines += contextChanges.map { "    \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}
