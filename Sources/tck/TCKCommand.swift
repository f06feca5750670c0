import ArgumentParser
import Foundation
import TCK

@main
struct TCKCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tck",
        abstract: "The swiftvm-tck conformance runner: boots the TestGuests suite on VMM drivers and reports.",
        discussion: """
            EXIT STATUS
              0    every result is what the catalog expects
                   (passes, declared xfails, crashes and timeouts)
              1    a regression: at least one unexpected result
              2    bad usage or a broken environment (no /dev/kvm, a driver
                   binary missing, a bad catalog, an unwritable --report-dir)
              130  interrupted (Ctrl-C, SIGTERM); the partial report is written
            """,
        version: "tck \(TCKVersion.string)",
        subcommands: [RunCommand.self, ListCommand.self, ReportCommand.self, ABICommand.self]
    )

    /// ArgumentParser's own `main` exits 64 (EX_USAGE) on bad usage; tck promises 2 (see EXIT STATUS).
    /// Help, `--version` and completion scripts still exit 0, and the commands' own `ExitCode`s pass
    /// through unchanged.
    static func main() {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            // ExitCode thrown by a validate() and the clean exits (help, --version) keep their status.
            guard error is ExitCode || exitCode(for: error).isSuccess else {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(TCKExit.usage)
            }
            exit(withError: error)
        }
        do {
            try command.run()
        } catch {
            // The help command reports through a thrown clean exit; ExitCodes are the commands' own.
            if error is ExitCode || exitCode(for: error).isSuccess { exit(withError: error) }
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(TCKExit.usage)
            }
            // Anything else a command throws is a file or environment problem, not a regression.
            exitForEnvironment("\(error)")
        }
        exit()
    }
}

/// Exit statuses of `tck` (see the discussion above).
enum TCKExit {
    static let regression: Int32 = 1
    /// Bad usage and a broken environment share status 2, as in the EXIT STATUS table.
    static let usage: Int32 = 2
    static let environment: Int32 = 2
    static let interrupted: Int32 = 130
}
