import ArgumentParser
import Machine

@main
struct SwiftVM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftvm",
        abstract: "A small reference KVM virtual machine monitor that boots ELF test kernels (PVH, Multiboot v1).",
        version: "swiftvm \(SwiftVMVersion.string)",
        subcommands: [Run.self, Check.self, Machines.self, Host.self, Img.self],
        defaultSubcommand: nil
    )

    /// `swiftvm run` with plain options skips ArgumentParser's (costly) parse: `QuickRun`.
    static func main() {
        MachineProcess.useOneMallocArena()
        let arguments = Array(CommandLine.arguments.dropFirst())
        // For `run`, the host's CPUID query starts before the options are even parsed (~0.3 ms of this
        // thread's work it then overlaps), on either path (`RunOptions.host`).
        if arguments.first == "run" { _ = RunOptions.host }
        if let options = QuickRun.options(arguments) { QuickRun.execute(options) }
        main(nil)
    }
}
