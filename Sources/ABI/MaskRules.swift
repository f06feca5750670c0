/// A declared reason why part of what the guest saw is not part of the compared ABI: the value
/// legitimately varies between captures of the same machine. Rules are data, reviewed like code;
/// nothing is dropped ad hoc.
public struct MaskRule: Sendable {
    public let name: String
    public let why: String
    /// Removes what the rule covers; returns whether anything was there to remove.
    public let apply: @Sendable (inout ABIView) -> Bool
}

public enum MaskRules {
    public static let standard: [MaskRule] = [
        clearBit(name: "cpuid.osxsave", leaf: "00000001.0", register: \.ecx, bit: 27,
                 why: "CPUID.1:ECX[27] OSXSAVE mirrors the guest's CR4.OSXSAVE, not the machine"),
        clearBit(name: "cpuid.ospke", leaf: "00000007.0", register: \.ecx, bit: 4,
                 why: "CPUID.7.0:ECX[4] OSPKE mirrors the guest's CR4.PKE, not the machine"),
        MaskRule(name: "cmos.register-c", why: "CMOS register C (interrupt flags) clears when read") { view in
            view.cmos.removeValue(forKey: "0x0c") != nil
        },
        MaskRule(name: "ioapic.dynamic-bits",
                 why: "IOAPIC redirection entries' delivery status (bit 12) and remote IRR (bit 14) change with interrupt traffic") { view in
            var changed = false
            for (register, value) in view.ioAPIC {
                guard let index = UInt32(register.dropFirst(2), radix: 16), index >= 0x10, index % 2 == 0,
                      let bits = UInt32(value.dropFirst(2), radix: 16) else { continue }
                let masked = bits & ~(1 << 12 | 1 << 14)
                if masked != bits { view.ioAPIC[register] = hex(masked); changed = true }
            }
            return changed
        },
    ]

    static func clearBit(name: String, leaf: String, register: WritableKeyPath<CPUIDValue, String> & Sendable,
                         bit: UInt32, why: String) -> MaskRule {
        MaskRule(name: name, why: why) { view in
            guard var value = view.cpuid[leaf], let bits = UInt32(value[keyPath: register].dropFirst(2), radix: 16),
                  bits & (1 << bit) != 0 else { return false }
            value[keyPath: register] = hex(bits & ~(1 << bit))
            view.cpuid[leaf] = value
            return true
        }
    }
}
