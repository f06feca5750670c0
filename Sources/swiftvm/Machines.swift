import ArgumentParser
import Machine

struct Machines: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the machine types: each fixes everything a guest can see, release after release.")

    @Flag(name: .shortAndLong, help: "Also list each type's changes and CPU features.")
    var verbose = false

    func run() throws {
        for type in MachineTypes.all {
            let marker = type == MachineTypes.latest ? " (default)" : ""
            print("\(type.name)\(marker)  \(type.summary)")
            guard verbose else { continue }
            for change in type.changes { print("    change: \(change)") }
            print("    cpu: \(type.cpu.vendor.rawValue) family 0x\(String(type.cpu.family, radix: 16)) "
                  + "model 0x\(String(type.cpu.model, radix: 16)) stepping \(type.cpu.stepping), \"\(type.cpu.brand)\"")
            print("    features: \(type.cpu.featureNames.joined(separator: " "))")
            if let virtio = type.virtioBlockSummary { print("    virtio-blk: \(virtio)") }
            let constants = type.msrs.entries.filter { $0.behaviour != .kvm }.count
            print("    msrs: \(type.msrs.entries.count) entries (\(type.msrs.entries.count - constants) KVM's, \(constants) constants); "
                  + "any other MSR raises #GP (docs/machine-types.md)")
        }
    }
}
