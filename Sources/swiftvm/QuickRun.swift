import ArgumentParser
import Machine
#if canImport(Glibc)
import Glibc
#endif

/// `swiftvm run` without ArgumentParser's parse, for the common case of plain, known options.
///
/// Parsing the command line through ArgumentParser costs ~19 M instructions (~3–4 ms here: reflection
/// over every option and a protocol-conformance scan of the whole static binary per lookup), 3/4 of
/// swiftvm's user-space work before the guest's first instruction, paid once per test by tck. This
/// reads `run --name value`, `--name=value` and the flags into the same `Run` command (its properties
/// set as ArgumentParser would) and runs it. Anything else — another subcommand, an unknown or repeated
/// option, a value that starts with '-', a value ArgumentParser would reject, --help — returns nil and
/// goes through ArgumentParser, which owns every message and the help. The save/restore options
/// (--snapshot, --restore, --control-socket) are quick too: a restore that ArgumentParser parsed spent
/// more of its time there than in reading the snapshot; an option --restore fixes fails `validate()`
/// here and gets ArgumentParser's message.
enum QuickRun {
    static func command(_ arguments: [String]) -> Run? {
        guard arguments.first == "run" else { return nil }
        var values: [String: String] = [:]
        var flags: Set<String> = []
        var index = 1
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            if let flag = flag(word) {
                guard flags.insert(flag).inserted else { return nil }
                continue
            }
            guard word.hasPrefix("--") else { return nil }
            var name = String(word.dropFirst(2)), value: String
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            } else {
                guard index < arguments.count else { return nil }
                value = arguments[index]
                index += 1
            }
            guard optionNames.contains(name), values[name] == nil, !value.hasPrefix("-") else { return nil }
            values[name] = value
        }
        guard values["kernel"] != nil || values["restore"] != nil else { return nil }

        var run = Run()
        run.kernel = values["kernel"]
        var choice = MachineChoice()
        choice.machine = values["machine"]
        choice.cpuFeatures = values["cpu-features"]
        run.choice = choice
        run.memory = values["memory"]
        run.cpus = nil
        if let cpus = values["cpus"] {
            guard let count = Int(cpus) else { return nil }
            run.cpus = count
        }
        run.cmdline = values["cmdline"] ?? ""
        run.initrd = values["initrd"]
        guard let boot = BootChoice(rawValue: values["boot"] ?? "auto"), let serial = SerialTarget(argument: values["serial"] ?? "stdout")
        else { return nil }
        run.boot = boot
        run.serial = serial
        run.timeout = values["timeout"] ?? "10s"
        run.disk = values["disk"]
        run.data = values["data"]
        run.fileLimit = values["file-limit"] ?? "64M"
        run.tables = values["tables"]
        run.strictIO = flags.contains("strict-io")
        run.testdev = flags.contains("testdev")
        run.qemuExitCodes = flags.contains("qemu-exit-codes")
        run.keepTeardown = flags.contains("keep-teardown")
        run.noCoalescedPio = flags.contains("no-coalesced-pio")
        run.verbose = flags.contains("verbose")
        run.snapshot = values["snapshot"]
        run.restore = values["restore"]
        run.controlSocket = values["control-socket"]
        do {
            try run.choice.validate()
            try run.validate()
        } catch {
            return nil
        }
        return run
    }

    /// Runs `command` and exits with its status, as `SwiftVM.main` would.
    static func execute(_ command: Run) -> Never {
        do {
            try command.run()
            exit(0)
        } catch let code as ExitCode {
            // Every run ends here (Run.run throws its status): ArgumentParser's exit(withError:) would first
            // build a help generator and its dynamic casts, ~3 ms of conformance scans for a silent exit.
            exit(code.rawValue)
        } catch {
            SwiftVM.exit(withError: error)
        }
    }

    static let optionNames: Set<String> = ["kernel", "machine", "cpu-features", "memory", "cpus", "cmdline", "initrd", "boot",
                                           "serial", "timeout", "disk", "data", "file-limit", "tables",
                                           "snapshot", "restore", "control-socket"]

    private static func flag(_ word: String) -> String? {
        switch word {
        case "--strict-io", "--testdev", "--qemu-exit-codes", "--keep-teardown", "--no-coalesced-pio", "--verbose":
            String(word.dropFirst(2))
        case "-v":
            "verbose"
        default:
            nil
        }
    }
}
