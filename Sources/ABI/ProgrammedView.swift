import Foundation

/// The tables a VMM programmed into KVM for a machine: vCPU 0's CPUID (KVM_SET_CPUID2) and every MSR
/// the guest can reach with its behaviour (KVM's MSR filter). Unlike the in-guest view, these do not
/// depend on whether the host's KVM honours them, so a fingerprint gates them strictly on every host.
public struct ProgrammedView: Codable, Equatable, Sendable {
    /// "00000001.0" → registers, as in `ABIView.cpuid`.
    public var cpuid: [String: CPUIDValue] = [:]
    /// "0x0000001b" → "kvm" (KVM's model of the register) or the constant value ("0x0000000000000508").
    /// An MSR not listed raises #GP.
    public var msr: [String: String] = [:]

    public init() {}

    /// Parses `swiftvm run --tables` output (Sources/Machine/ProgrammedTables.swift):
    /// `CPUID.00000001.0: eax=… ebx=… ecx=… edx=…` and `MSR.0000001b: kvm` lines; `#` starts a comment.
    /// A line that is neither is an error naming it: these tables are what the gate compares.
    public static func parse(_ text: String) throws(ProgrammedViewError) -> ProgrammedView {
        var view = ProgrammedView()
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else { throw .badLine(number + 1, line) }
            let key = line[..<colon], value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if key.hasPrefix("CPUID.") {
                let parts = key.dropFirst(6).split(separator: ".")
                var registers: [String: String] = [:]
                for field in value.split(separator: " ") {
                    let pair = field.split(separator: "=")
                    guard pair.count == 2, let number = UInt32(pair[1], radix: 16) else { throw .badLine(number + 1, line) }
                    registers[String(pair[0])] = hex(number)
                }
                guard parts.count == 2, let leaf = UInt32(parts[0], radix: 16), let subleaf = UInt32(parts[1]),
                      let a = registers["eax"], let b = registers["ebx"], let c = registers["ecx"], let d = registers["edx"]
                else { throw .badLine(number + 1, line) }
                view.cpuid[FingerprintBuilder.cpuidKey(leaf, subleaf)] = CPUIDValue(eax: a, ebx: b, ecx: c, edx: d)
            } else if key.hasPrefix("MSR."), let index = UInt32(key.dropFirst(4), radix: 16) {
                if value == "kvm" {
                    view.msr[hex(index)] = "kvm"
                } else if let constant = UInt64(value, radix: 16) {
                    view.msr[hex(index)] = hex(constant)
                } else {
                    throw .badLine(number + 1, line)
                }
            } else {
                throw .badLine(number + 1, line)
            }
        }
        guard !view.cpuid.isEmpty else { throw .empty }
        return view
    }
}

public enum ProgrammedViewError: Error, Equatable, Sendable, CustomStringConvertible {
    case badLine(Int, String)
    case empty

    public var description: String {
        switch self {
        case let .badLine(number, line): "programmed tables, line \(number): cannot read '\(line.prefix(120))'"
        case .empty: "programmed tables: no CPUID lines"
        }
    }
}
