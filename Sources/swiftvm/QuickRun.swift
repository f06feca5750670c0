import Machine
#if canImport(Glibc)
import Glibc
#endif

/// `swiftvm run` without ArgumentParser, for the common case of plain, known options.
///
/// Parsing through ArgumentParser costs ~19 M instructions (~3–4 ms here: reflection over every option
/// and a protocol-conformance scan of the whole static binary per lookup), and even building its `Run`
/// command without parsing costs ~0.3 ms (property wrappers, their metadata). Both are paid once per test
/// by tck. This reads `run --name value`, `--name=value` and the flags straight into `RunOptions` and
/// runs them. Anything else — another subcommand, an unknown or repeated option, a value that starts
/// with '-', a value ArgumentParser would reject, --help — returns nil and goes through ArgumentParser,
/// which owns every message and the help. The save/restore options (--snapshot, --restore,
/// --control-socket) are quick too; an option --restore fixes fails `validate()` here and gets
/// ArgumentParser's message.
enum QuickRun {
    static func options(_ arguments: [String]) -> RunOptions? {
        guard arguments.first == "run" else { return nil }
        var options = RunOptions()
        var seen: [String] = []
        var index = 1
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            guard word.hasPrefix("-") else { return nil }
            if let flag = flag(word) {
                guard !seen.contains(flag) else { return nil }
                seen.append(flag)
                options.set(flag: flag)
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
            guard !seen.contains(name), !value.hasPrefix("-"), options.set(name, to: value) else { return nil }
            seen.append(name)
        }
        guard options.kernel != nil || options.restore != nil else { return nil }
        do { try options.validate() } catch { return nil }
        return options
    }

    /// Runs `options` and exits with its status, as `SwiftVM.main` would.
    static func execute(_ options: RunOptions) -> Never {
        exit(options.execute())
    }

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

extension RunOptions {
    /// Sets the option `name` (without "--") as ArgumentParser would; false for an unknown name or a value
    /// ArgumentParser would refuse to convert.
    fileprivate mutating func set(_ name: String, to value: String) -> Bool {
        switch name {
        case "kernel": kernel = value
        case "machine": machine = value
        case "cpu-features": cpuFeatures = value
        case "memory": memory = value
        case "cpus":
            guard let count = Int(value) else { return false }
            cpus = count
        case "cmdline": cmdline = value
        case "initrd": initrd = value
        case "boot":
            guard let choice = BootChoice(rawValue: value) else { return false }
            boot = choice
        case "serial":
            guard let target = SerialTarget(argument: value) else { return false }
            serial = target
        case "timeout": timeout = value
        case "disk": disk = value
        case "data": data = value
        case "file-limit": fileLimit = value
        case "tables": tables = value
        case "snapshot": snapshot = value
        case "restore": restore = value
        case "control-socket": controlSocket = value
        default: return false
        }
        return true
    }

    fileprivate mutating func set(flag: String) {
        switch flag {
        case "strict-io": strictIO = true
        case "testdev": testdev = true
        case "qemu-exit-codes": qemuExitCodes = true
        case "keep-teardown": keepTeardown = true
        case "no-coalesced-pio": noCoalescedPio = true
        default: verbose = true
        }
    }
}
