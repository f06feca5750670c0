import ABI

/// A hash of the host's KVM_GET_SUPPORTED_CPUID, recorded in a fingerprint's context so a diff can tell
/// "the host's KVM changed" from "the VMM changed". Read from `swiftvm host`'s CPUID lines.
public enum HostCPUIDContext {
    /// Runs `swiftvm host`; nil when it fails or reports no CPUID.
    public static func hash(swiftvm: String) -> String? {
        let result = ChildProcess(executable: swiftvm, arguments: ["host"], timeoutSeconds: 10).run()
        guard case .exited(0) = result.ending else { return nil }
        return hash(hostOutput: String(decoding: result.stdout, as: UTF8.self))
    }

    /// The hash of the CPUID lines of `swiftvm host` output, APIC ids zeroed; nil without any.
    public static func hash(hostOutput: String) -> String? {
        let leaves = hostOutput.split(separator: "\n").compactMap(Leaf.init)
        guard !leaves.isEmpty else { return nil }
        return "sha256:" + SHA256.hex(Array(leaves.map { $0.withoutAPICID.line }.joined(separator: "\n").utf8))
    }

    /// One `CPUID.<leaf>.<subleaf>: eax=… ebx=… ecx=… edx=…` line: leaf and registers in hex (8 digits),
    /// the sub-leaf in decimal, as `CPUIDEntry` prints them.
    struct Leaf: Equatable {
        var function: UInt32
        var index: UInt32
        var registers: [UInt32]  // eax, ebx, ecx, edx

        init?(_ line: Substring) {
            guard line.hasPrefix("CPUID."), let colon = line.firstIndex(of: ":") else { return nil }
            let key = line[line.index(line.startIndex, offsetBy: 6)..<colon].split(separator: ".")
            guard key.count == 2, let function = UInt32(key[0], radix: 16), let index = UInt32(key[1]) else { return nil }
            let fields = line[line.index(after: colon)...].split(separator: " ")
            let names = ["eax=", "ebx=", "ecx=", "edx="]
            guard fields.count == 4 else { return nil }
            var registers: [UInt32] = []
            for (field, name) in zip(fields, names) {
                guard field.hasPrefix(name), let value = UInt32(field.dropFirst(4), radix: 16) else { return nil }
                registers.append(value)
            }
            self.function = function
            self.index = index
            self.registers = registers
        }

        /// KVM reports the APIC id of the host CPU the ioctl ran on (leaf 1 EBX[31:24], leaves 0xB and
        /// 0x1F EDX); that says nothing about what KVM supports.
        var withoutAPICID: Leaf {
            var leaf = self
            switch function {
            case 0x1: leaf.registers[1] &= 0x00FF_FFFF
            case 0xB, 0x1F: leaf.registers[3] = 0
            default: break
            }
            return leaf
        }

        var line: String {
            func hex(_ value: UInt32) -> String {
                let digits = String(value, radix: 16)
                return String(repeating: "0", count: 8 - digits.count) + digits
            }
            return "CPUID.\(hex(function)).\(index): eax=\(hex(registers[0])) ebx=\(hex(registers[1])) "
                + "ecx=\(hex(registers[2])) edx=\(hex(registers[3]))"
        }
    }
}
