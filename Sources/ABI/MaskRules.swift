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
        MaskRule(name: "cmos.update-in-progress", why: "CMOS register A bit 7 (UIP) is set for a moment before each clock update") { view in
            guard let value = view.cmos["0x0a"], let bits = UInt8(value.dropFirst(2), radix: 16), bits & 0x80 != 0 else { return false }
            view.cmos["0x0a"] = hex(bits & 0x7F)
            return true
        },
        MaskRule(name: "ports.0x61-timer-bits",
                 why: "port 0x61 bits 4 (refresh toggle) and 5 (PIT channel 2 output) change with time") { view in
            guard let value = view.ports["0x0061/1"], let bits = UInt8(value.dropFirst(2), radix: 16), bits & 0x30 != 0 else { return false }
            view.ports["0x0061/1"] = hex(bits & ~0x30)
            return true
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

    /// Hosts whose KVM answers CPUID.1:ECX/EDX and CPUID.7.0 from the host CPU whatever the VMM set
    /// (kvm_pvm; docs/host-quirks.md): there those registers describe the host, not the machine type,
    /// so a capture there leaves them out rather than let the host's CPU masquerade as ABI.
    public static let hostSuppliedCPUID: [MaskRule] = [
        MaskRule(name: "host.kvm_pvm-cpuid-1-7", why: "kvm_pvm returns the host CPU's CPUID.1:ECX/EDX and CPUID.7.0 (docs/host-quirks.md)") { view in
            var changed = false
            for (leaf, registers) in [("00000001.0", [\CPUIDValue.ecx, \CPUIDValue.edx]), ("00000007.0", [\CPUIDValue.eax, \CPUIDValue.ebx, \CPUIDValue.ecx, \CPUIDValue.edx])] {
                guard var value = view.cpuid[leaf] else { continue }
                for register in registers where value[keyPath: register] != "0x00000000" {
                    value[keyPath: register] = "host"
                    changed = true
                }
                view.cpuid[leaf] = value
            }
            return changed
        },
    ]

    /// The rules for a capture on a host described by `kvm` (HostInfo.kvm / CaptureContext.kvm).
    public static func forHost(kvm: String) -> [MaskRule] {
        standard + (kvm.contains("kvm_pvm") ? hostSuppliedCPUID : [])
    }

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
