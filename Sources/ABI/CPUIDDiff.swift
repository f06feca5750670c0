import CPUFeatures

/// CPUID differences: feature registers bit by bit with names, numeric fields by meaning.
enum CPUIDDiff {
    /// `area` is "cpuid" for the in-guest view, "programmed-cpuid" for the table given to KVM.
    /// Registers either side recorded as "host" are not compared: they become `masked` items.
    static func compare(_ old: [String: CPUIDValue], _ new: [String: CPUIDValue], area: String = "cpuid")
        -> (changes: [ABIChange], masked: [MaskedItem]) {
        var changes = strings(old, new, area: area)
        var masked: [MaskedItem] = []
        for key in Set(old.keys).union(new.keys).sorted() {
            guard let (leaf, subleaf) = parse(key) else { continue }
            let name = "CPUID.\(String(leaf, radix: 16).uppercased()).\(subleaf)"
            switch (old[key], new[key]) {
            case (nil, _?):
                changes.append(ABIChange(area: area, item: "\(name) leaf", kind: .added, old: nil, new: nil, compatibility: .compatible))
            case (_?, nil):
                changes.append(ABIChange(area: area, item: "\(name) leaf", kind: .removed, old: nil, new: nil, compatibility: .breaking))
            case let (a?, b?) where a != b:
                changes += registers(leaf: leaf, subleaf: subleaf, name: name, area: area, a, b)
                masked += hostSupplied(name: name, a, b)
            default:
                break
            }
        }
        return (changes, masked)
    }

    /// Registers that differ because one side holds "host" (a host-supplied value, masked at capture).
    private static func hostSupplied(name: String, _ a: CPUIDValue, _ b: CPUIDValue) -> [MaskedItem] {
        let pairs = [("EAX", a.eax, b.eax), ("EBX", a.ebx, b.ebx), ("ECX", a.ecx, b.ecx), ("EDX", a.edx, b.edx)]
        return pairs.compactMap { register, before, after in
            guard before != after, before == "host" || after == "host" else { return nil }
            return MaskedItem(item: "\(name):\(register)", rule: "host-supplied",
                              why: "one capture recorded this register as host-supplied (a kvm_pvm host), the other as a value",
                              side: before == "host" ? .old : .new)
        }
    }

    /// Registers that together hold text, compared as one string: vendor (leaf 0 EBX, EDX, ECX) and the
    /// brand string (leaves 0x80000002–4); `registers` skips them.
    private static var textRegisters: [(name: String, parts: [(key: String, register: KeyPath<CPUIDValue, String>)])] { [
        ("CPUID vendor", [("00000000.0", \.ebx), ("00000000.0", \.edx), ("00000000.0", \.ecx)]),
        ("CPUID hypervisor signature", [("40000000.0", \.ebx), ("40000000.0", \.ecx), ("40000000.0", \.edx)]),
        ("CPUID brand string", (0x8000_0002...0x8000_0004).flatMap { leaf in
            [\CPUIDValue.eax, \CPUIDValue.ebx, \CPUIDValue.ecx, \CPUIDValue.edx].map { (String(leaf, radix: 16) + ".0", $0) }
        }),
    ] }

    private static func isText(_ leaf: UInt32, _ register: CPUFeature.Register) -> Bool {
        switch (leaf, register) {
        case (0, .ebx), (0, .ecx), (0, .edx), (0x4000_0000, .ebx), (0x4000_0000, .ecx), (0x4000_0000, .edx), (0x8000_0002...0x8000_0004, _): true
        default: false
        }
    }

    private static func strings(_ old: [String: CPUIDValue], _ new: [String: CPUIDValue], area: String) -> [ABIChange] {
        textRegisters.compactMap { text in
            func decode(_ view: [String: CPUIDValue]) -> String? {
                let words = text.parts.compactMap { part in view[part.key].flatMap { value($0[keyPath: part.register]) } }
                guard words.count == text.parts.count else { return nil }
                let bytes = words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> ($0 * 8)) } }
                return "'" + String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self) + "'"
            }
            let before = decode(old), after = decode(new)
            guard before != after else { return nil }
            return ABIChange(area: area, item: text.name, kind: before == nil ? .added : after == nil ? .removed : .changed,
                             old: before, new: after, compatibility: before == nil ? .compatible : .breaking)
        }
    }

    private static func registers(leaf: UInt32, subleaf: UInt32, name: String, area: String, _ a: CPUIDValue, _ b: CPUIDValue) -> [ABIChange] {
        var changes: [ABIChange] = []
        let pairs: [(CPUFeature.Register, String, String)] = [(.eax, a.eax, b.eax), (.ebx, a.ebx, b.ebx), (.ecx, a.ecx, b.ecx), (.edx, a.edx, b.edx)]
        for (register, before, after) in pairs where before != after && !isText(leaf, register) {
            guard let x = value(before), let y = value(after) else { continue }
            if CPUFeatureTable.featureRegisters.contains("\(leaf).\(subleaf).\(register.rawValue)") {
                for bit in UInt32(0)..<32 where (x ^ y) & (1 << bit) != 0 {
                    let set = y & (1 << bit) != 0
                    let location = "\(name):\(register.rawValue.uppercased())[\(bit)]"
                    let label = CPUFeatureTable.feature(leaf: leaf, subleaf: subleaf, register: register, bit: bit).map { "\(location) \($0.name)" } ?? location
                    changes.append(ABIChange(area: area, item: label, kind: .changed, old: set ? "0" : "1", new: set ? "1" : "0",
                                             compatibility: set ? .compatible : .breaking))
                }
            } else {
                let (field, compatible) = fieldName(leaf: leaf, register: register, old: x, new: y)
                changes.append(ABIChange(area: area, item: "\(name):\(register.rawValue.uppercased())\(field.isEmpty ? "" : " \(field)")",
                                         kind: .changed, old: before, new: after, compatibility: compatible ? .compatible : .breaking))
            }
        }
        return changes
    }

    /// What a numeric register means, and whether a change of it is additive.
    private static func fieldName(leaf: UInt32, register: CPUFeature.Register, old: UInt32, new: UInt32) -> (String, Bool) {
        switch (leaf, register) {
        case (0, .eax): ("max basic leaf", new > old)
        case (0, _), (0x8000_0000, .ebx), (0x8000_0000, .ecx), (0x8000_0000, .edx): ("vendor", false)
        case (0x8000_0000, .eax): ("max extended leaf", new > old)
        case (1, .eax), (0x8000_0001, .eax): ("family/model/stepping \(signature(old))→\(signature(new))", false)
        case (1, .ebx): ("APIC id / logical CPU count / CLFLUSH size", false)
        case (0x8000_0002...0x8000_0004, _): ("brand string", false)
        case (0x8000_0008, .eax): ("address sizes", false)
        case (0xB, _), (0x1F, _): ("topology", false)
        case (0x4000_0000, _): ("hypervisor signature / max leaf", false)
        default: ("", false)
        }
    }

    private static func signature(_ eax: UInt32) -> String {
        let baseFamily = (eax >> 8) & 0xF
        let family = baseFamily == 0xF ? baseFamily + (eax >> 20) & 0xFF : baseFamily
        let model = (baseFamily == 6 || baseFamily == 0xF) ? ((eax >> 16) & 0xF) << 4 | (eax >> 4) & 0xF : (eax >> 4) & 0xF
        return "\(String(family, radix: 16))h/\(String(model, radix: 16))h/\(eax & 0xF)"
    }

    static func parse(_ key: String) -> (UInt32, UInt32)? {
        let parts = key.split(separator: ".")
        guard parts.count == 2, let leaf = UInt32(parts[0], radix: 16), let subleaf = UInt32(parts[1]) else { return nil }
        return (leaf, subleaf)
    }

    static func value(_ text: String) -> UInt32? { UInt32(text.dropFirst(2), radix: 16) }
}
