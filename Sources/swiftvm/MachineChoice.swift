import ArgumentParser
import Machine

/// `--machine` and `--cpu-features`, shared by `run` and `check`: the machine type a command means.
struct MachineChoice: ParsableArguments {
    @Option(help: ArgumentHelp("The machine type: fixes everything the guest can see (see `swiftvm machines`; default: the latest, "
                               + "\(MachineTypes.latest.name)).", valueName: "name"))
    var machine: String?

    @Option(help: ArgumentHelp("Change the machine type's CPU features, e.g. -pse36,+invtsc. For experiments: the guest then no "
                               + "longer sees the machine type, and `tck abi check` says so.", valueName: "+name,-name"))
    var cpuFeatures: String?

    func validate() throws {
        do { _ = try resolve() } catch { throw ValidationError("\(error)") }
    }

    /// The machine type, with --cpu-features applied. Throws a sentence naming the bad name.
    func resolve() throws -> MachineType {
        try Self.resolve(machine: machine, cpuFeatures: cpuFeatures)
    }

    static func resolve(machine: String?, cpuFeatures: String?) throws -> MachineType {
        let type = try MachineTypes.named(machine ?? MachineTypes.latest.name)
        guard let cpuFeatures else { return type }
        var added: [String] = [], removed: [String] = []
        for item in cpuFeatures.split(separator: ",") {
            switch item.first {
            case "+": added.append(String(item.dropFirst()))
            case "-": removed.append(String(item.dropFirst()))
            default: throw ValidationError("--cpu-features: '\(item)' must start with + or -")
            }
        }
        do { return try type.withCPUFeatures(adding: added, removing: removed) } catch {
            guard case let .unknownFeature(name) = error else { throw error }
            throw ValidationError("--cpu-features: unknown feature '\(name)' (the names are CPUFeatureTable's, as `swiftvm machines -v` lists them)")
        }
    }
}
