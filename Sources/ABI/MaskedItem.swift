/// Something a comparison did not compare, and why: an item a mask rule covered in either fingerprint,
/// a register one side recorded as host-supplied, or tables one side's driver could not capture.
/// Never silently equal: every report counts and names these.
public struct MaskedItem: Codable, Equatable, Hashable, Sendable {
    public enum Side: String, Codable, Sendable { case both, old, new }

    /// "CPUID.1.0:ECX", "CPUID.7.2 leaf", "CMOS byte 0x0c", "programmed tables".
    public var item: String
    /// The mask rule's name, or "not captured".
    public var rule: String
    public var why: String
    /// Which fingerprint the item was masked in.
    public var side: Side

    public init(item: String, rule: String, why: String, side: Side) {
        self.item = item
        self.rule = rule
        self.why = why
        self.side = side
    }

    /// Items masked in either fingerprint, by rule, from the fingerprints' `maskedItems`.
    static func between(_ old: Fingerprint, _ new: Fingerprint) -> [MaskedItem] {
        func pairs(_ fingerprint: Fingerprint) -> Set<[String]> {
            Set((fingerprint.maskedItems ?? [:]).flatMap { rule, items in items.map { [rule, $0] } })
        }
        let before = pairs(old), after = pairs(new)
        return before.union(after).sorted { $0.lexicographicallyPrecedes($1) }.map { pair in
            let why = MaskRules.all.first { $0.name == pair[0] }?.why ?? "mask rule \(pair[0])"
            let side: Side = before.contains(pair) && after.contains(pair) ? .both : before.contains(pair) ? .old : .new
            return MaskedItem(item: pair[1], rule: pair[0], why: why, side: side)
        }
    }

    /// Whether `change` is about this item ("CPUID.7.2 leaf", or a bit of the masked register).
    func covers(_ change: ABIChange) -> Bool {
        change.item == item || change.item.hasPrefix(item + "[") || change.item.hasPrefix(item + " ")
    }
}
