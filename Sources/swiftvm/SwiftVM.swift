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
        if let options = QuickRun.options(Array(CommandLine.arguments.dropFirst())) { QuickRun.execute(options) }
        main(nil)
    }
}
