import ArgumentParser

@main
struct TCKCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tck",
        abstract: "The swiftvm-tck conformance runner: boots the TestGuests suite on a VMM driver and reports."
    )
}
