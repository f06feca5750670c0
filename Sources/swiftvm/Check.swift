import ArgumentParser
import Machine

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Say whether this host's KVM can run a machine type, without booting anything.",
        discussion: """
            Exit status: 0 it can; 69 KVM unavailable or missing a capability swiftvm needs; 78 this host's KVM \
            cannot provide CPU features the machine type needs (they are named on stderr).
            """)

    @OptionGroup var choice: MachineChoice

    func run() throws {
        let type = try choice.resolve()
        do { try HostCheck.check(type) } catch {
            fail(error.description, status: error.exitStatus)
        }
        print("\(type.name): this host can run it (\(type.cpu.vendor.rawValue) family 0x\(String(type.cpu.family, radix: 16)) "
              + "model 0x\(String(type.cpu.model, radix: 16)), \(type.cpu.featureNames.count) CPU features, "
              + "\(type.msrs.entries.count) MSR entries behind the MSR filter)")
    }
}

extension MachineError {
    /// The documented status for a machine that could not be built (`swiftvm run --help`).
    var exitStatus: ExitStatus {
        switch self {
        case .unsupportedMachine: .unsupportedMachine
        default: isBadInput ? .badInput : .kvmUnavailable
        }
    }
}
