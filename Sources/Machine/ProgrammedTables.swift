import KVM

/// What swiftvm programmed into KVM for a machine: vCPU 0's CPUID table (KVM_SET_CPUID2) and the MSR
/// list behind the MSR filter, as text lines. tck records them beside the in-guest view in ABI
/// fingerprints: they do not depend on the host, so they can be gated strictly on every host, also where
/// KVM does not honour the table (kvm_pvm). Format (docs/abi-fingerprint.md):
///     CPUID.00000001.0: eax=00830f10 ebx=00020800 ecx=80200000 edx=078bfbff
///     MSR.0000001b: kvm
///     MSR.000000fe: 0000000000000508
public enum ProgrammedTables {
    public static func text(machineType: MachineType, cpuid: [CPUIDEntry], cpus: Int) -> String {
        var lines = ["# swiftvm programmed tables: machine \(machineType.name), vCPU 0 of \(cpus)"]
        lines += cpuid.sorted { ($0.function, $0.index) < ($1.function, $1.index) }.map(\.description)
        for entry in machineType.msrs.entries {
            for index in entry.indices {
                switch entry.behaviour {
                case .kvm: lines.append("MSR.\(hex(index, digits: 8)): kvm")
                case let .constant(value): lines.append("MSR.\(hex(index, digits: 8)): \(hex(value, digits: 16))")
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func hex<T: BinaryInteger>(_ value: T, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
