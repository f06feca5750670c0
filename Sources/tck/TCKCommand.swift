import ArgumentParser

@main
struct TCKCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tck",
        abstract: "The swiftvm-tck conformance runner: boots the TestGuests suite on VMM drivers and reports.",
        discussion: """
            EXIT STATUS
              0  every result is what the catalog expects (passes, declared xfails/crashes/timeouts)
              1  a regression: at least one unexpected result
              2  bad usage or a broken environment (no /dev/kvm, a driver binary missing, bad catalog)
            """,
        subcommands: [RunCommand.self, ListCommand.self, ReportCommand.self, ABICommand.self]
    )
}

/// Exit statuses of `tck` (see the discussion above).
enum TCKExit {
    static let regression: Int32 = 1
    static let environment: Int32 = 2
}
