/// A declared reason why part of what the guest saw is not part of the compared ABI: the value
/// legitimately varies between captures of the same machine. Rules are data, reviewed like code;
/// nothing is dropped ad hoc, and every item a rule covers is named in the fingerprint and the diff.
public struct MaskRule: Sendable {
    public let name: String
    public let why: String
    /// Diff items of a shape this rule removes wherever they occur ("CPUID.7.2 leaf"): when either
    /// capture applied the rule, a change to such an item is listed as masked, not as a change.
    public let covers: @Sendable (String) -> Bool
    /// Masks what the rule covers; returns the items it masked ("CPUID.1.0:ECX"), empty when none.
    public let apply: @Sendable (inout ABIView) -> [String]

    public init(name: String, why: String, covers: @escaping @Sendable (String) -> Bool = { _ in false },
                apply: @escaping @Sendable (inout ABIView) -> [String]) {
        self.name = name
        self.why = why
        self.covers = covers
        self.apply = apply
    }
}

public enum MaskRules {
    public static let standard: [MaskRule] = [
        clearBit(name: "cpuid.osxsave", leaf: "00000001.0", register: \.ecx, bit: 27,
                 why: "CPUID.1:ECX[27] OSXSAVE mirrors the guest's CR4.OSXSAVE, not the machine"),
        clearBit(name: "cpuid.ospke", leaf: "00000007.0", register: \.ecx, bit: 4,
                 why: "CPUID.7.0:ECX[4] OSPKE mirrors the guest's CR4.PKE, not the machine"),
        MaskRule(name: "cmos.register-c", why: "CMOS register C (interrupt flags) clears when read") { view in
            view.cmos.removeValue(forKey: "0x0c") != nil ? ["CMOS byte 0x0c"] : []
        },
        MaskRule(name: "cmos.update-in-progress", why: "CMOS register A bit 7 (UIP) is set for a moment before each clock update") { view in
            guard let value = view.cmos["0x0a"], let bits = UInt8(value.dropFirst(2), radix: 16), bits & 0x80 != 0 else { return [] }
            view.cmos["0x0a"] = hex(bits & 0x7F)
            return ["CMOS byte 0x0a bit 7"]
        },
        MaskRule(name: "ports.0x61-timer-bits",
                 why: "port 0x61 bits 4 (refresh toggle) and 5 (PIT channel 2 output) change with time") { view in
            guard let value = view.ports["0x0061/1"], let bits = UInt8(value.dropFirst(2), radix: 16), bits & 0x30 != 0 else { return [] }
            view.ports["0x0061/1"] = hex(bits & ~0x30)
            return ["port 0x0061/1 bits 4-5"]
        },
        MaskRule(name: "ioapic.dynamic-bits",
                 why: "IOAPIC redirection entries' delivery status (bit 12) and remote IRR (bit 14) change with interrupt traffic") { view in
            var items: [String] = []
            for (register, value) in view.ioAPIC.sorted(by: { $0.key < $1.key }) {
                guard let index = UInt32(register.dropFirst(2), radix: 16), index >= 0x10, index % 2 == 0,
                      let bits = UInt32(value.dropFirst(2), radix: 16) else { continue }
                let masked = bits & ~(1 << 12 | 1 << 14)
                if masked != bits { view.ioAPIC[register] = hex(masked); items.append("IOAPIC register \(register) bits 12, 14") }
            }
            return items
        },
    ]

    /// Hosts whose KVM answers CPUID.1:ECX/EDX and leaf 7 from the host CPU whatever the VMM set
    /// (kvm_pvm; docs/host-quirks.md). There those registers describe the host, not the machine type:
    /// they become "host", and leaf 7's sub-leaves beyond 0 (which exist only because the host's
    /// CPUID.7.0:EAX says so: none on one AMD host, 7.1 on another, 7.1 and 7.2 on an Intel host) are
    /// removed. The machine type's own values for these leaves are in the fingerprint's `programmed`
    /// tables, which are compared on every host.
    public static let hostSuppliedCPUID: [MaskRule] = [
        MaskRule(name: "host.kvm_pvm-cpuid-1-7",
                 why: "kvm_pvm returns the host CPU's CPUID.1:ECX/EDX and leaf 7 (EAX, so the sub-leaf count, included); "
                    + "the programmed tables hold the machine type's values (docs/host-quirks.md)",
                 covers: { item in item.hasPrefix("CPUID.7.") && item.hasSuffix(" leaf") && !item.hasPrefix("CPUID.7.0 ") }) { view in
            var items: [String] = []
            let hostRegisters: [(String, [(String, WritableKeyPath<CPUIDValue, String>)])] = [
                ("00000001.0", [("ECX", \.ecx), ("EDX", \.edx)]),
                ("00000007.0", [("EAX", \.eax), ("EBX", \.ebx), ("ECX", \.ecx), ("EDX", \.edx)]),
            ]
            for (leaf, registers) in hostRegisters {
                guard var value = view.cpuid[leaf] else { continue }
                for (name, register) in registers where value[keyPath: register] != "host" {
                    value[keyPath: register] = "host"
                    items.append("\(cpuidName(leaf)):\(name)")
                }
                view.cpuid[leaf] = value
            }
            for leaf in view.cpuid.keys.sorted() where leaf.hasPrefix("00000007.") && leaf != "00000007.0" {
                view.cpuid.removeValue(forKey: leaf)
                items.append("\(cpuidName(leaf)) leaf")
            }
            return items
        },
    ]

    /// Every rule there is, for looking up a rule's reason by name.
    public static var all: [MaskRule] { standard + hostSuppliedCPUID }

    /// The rules for a capture on a host described by `kvm` (HostInfo.kvm / CaptureContext.kvm).
    public static func forHost(kvm: String) -> [MaskRule] {
        standard + (kvm.contains("kvm_pvm") ? hostSuppliedCPUID : [])
    }

    static func clearBit(name: String, leaf: String, register: WritableKeyPath<CPUIDValue, String> & Sendable,
                         bit: UInt32, why: String) -> MaskRule {
        MaskRule(name: name, why: why) { view in
            guard var value = view.cpuid[leaf], let bits = UInt32(value[keyPath: register].dropFirst(2), radix: 16),
                  bits & (1 << bit) != 0 else { return [] }
            value[keyPath: register] = hex(bits & ~(1 << bit))
            view.cpuid[leaf] = value
            let registerName = register == \CPUIDValue.ecx ? "ECX" : register == \CPUIDValue.edx ? "EDX" : register == \CPUIDValue.ebx ? "EBX" : "EAX"
            return ["\(cpuidName(leaf)):\(registerName)[\(bit)]"]
        }
    }

    /// "00000007.0" → "CPUID.7.0", as diffs name leaves.
    static func cpuidName(_ key: String) -> String {
        guard let (leaf, subleaf) = CPUIDDiff.parse(key) else { return key }
        return "CPUID.\(String(leaf, radix: 16).uppercased()).\(subleaf)"
    }
}
