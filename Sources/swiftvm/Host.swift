import ArgumentParser
import KVM

struct Host: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what this host's KVM offers: API, capabilities, KVM_GET_SUPPORTED_CPUID.",
        discussion: "The CPUID lines are what machine types are checked against; tck hashes them into fingerprint contexts.")

    func run() throws {
        let system: KVMSystem
        do { system = try KVMSystem() } catch {
            writeStandardError("swiftvm: \(error)\n")
            throw ExitCode(ExitStatus.kvmUnavailable.rawValue)
        }
        print("kvm: api 12, vcpu mmap \(system.vcpuMapSize) bytes, max vcpus \(system.maxVCPUs)")
        for capability in Capability.allCases {
            print("capability \(capability.name) \(system.check(capability))")
        }
        for entry in try system.supportedCPUID() { print(entry) }
    }
}
