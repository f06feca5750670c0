import ArgumentParser

@main
struct SwiftVM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftvm",
        abstract: "A small reference KVM virtual machine monitor that boots ELF test kernels (PVH, Multiboot v1).",
        subcommands: [Run.self],
        defaultSubcommand: nil
    )
}
