import Foundation

/// Runs kernels with the `swiftvm` binary, one process per test (a VMM bug cannot take the runner down).
public struct SwiftVMDriver: Driver {
    public let name = "swiftvm"
    public let executable: String
    /// Also record what swiftvm programmed into KVM (`--tables`) in `DriverRun.programmedTables`: ABI captures.
    public var recordsProgrammedTables = false

    public init(executable: String) { self.executable = executable }

    public func probe() throws(DriverUnavailable) -> DriverInfo {
        guard access(executable, X_OK) == 0 else {
            throw DriverUnavailable(driver: name, reason: "\(executable) is not an executable (build it: make build, or pass --swiftvm PATH)")
        }
        guard access("/dev/kvm", R_OK | W_OK) == 0 else {
            throw DriverUnavailable(driver: name, reason: "/dev/kvm is missing or not accessible to this user")
        }
        var details = ["accel": "kvm", "devices": "16550A@0x3f8, debug-exit@0xf4, testdev@0xec0"]
        if let machine = defaultMachineType { details["machine"] = machine }
        return DriverInfo(name: name, version: swiftvmVersion, executable: executable, details: details)
    }

    /// `swiftvm check [--machine M]`: 0 this host can run it; otherwise its stderr line says why
    /// (69 KVM or a capability missing, 78 CPU features the machine type needs that this host's KVM lacks).
    public func check(machine: String?) throws(DriverUnavailable) {
        let result = ChildProcess(executable: executable, arguments: ["check"] + (machine.map { ["--machine", $0] } ?? []),
                                  timeoutSeconds: 10).run()
        guard case let .exited(status) = result.ending else {
            throw DriverUnavailable(driver: name, reason: "swiftvm check did not finish (\(result.ending))")
        }
        guard status != 0 else { return }
        let first = result.stderrText.split(separator: "\n").first ?? ""
        let line = first.hasPrefix("swiftvm: ") ? String(first.dropFirst("swiftvm: ".count)) : String(first)
        throw DriverUnavailable(driver: name, reason: line.isEmpty ? "swiftvm check exited with status \(status)"
                                                                   : "\(line) (swiftvm check status \(status))")
    }

    /// The arguments of `swiftvm` for one test, as recorded in `DriverRun.commandLine`: the kernel by
    /// absolute path and the memory as written ("64M"), so the line re-runs from any directory. The run
    /// itself adds `--data FILE` (and for ABI captures `--tables FILE`) with temporary files that are
    /// deleted afterwards, so the recorded line leaves them out: add `--data FILE` to it to get the
    /// guest's data stream (ABI probe records), `--tables FILE` for the programmed CPUID and MSR tables.
    /// A disk is `--disk PATH[,readonly][,format=qcow2]` (absolute; the image is kept in the report directory).
    public func arguments(for entry: CatalogEntry, kernelDirectory: String, disk: AttachedDisk? = nil) -> [String] {
        (entry.machine(for: name).map { ["--machine", $0] } ?? []).reduce(into: ["run"]) { $0.append($1) } + [
         "--kernel", RecordedCommandLine.absolute("\(kernelDirectory)/\(entry.kernel).elf"),
         "--memory", RecordedCommandLine.size(entry.memoryBytes), "--cpus", "\(entry.cpus)", "--cmdline", entry.commandLine,
         "--timeout", "\(Int((entry.timeoutSeconds * 1000).rounded()))ms", "--testdev", "--serial", "stdout"]
        + (disk.map { ["--disk", RecordedCommandLine.absolute($0.path) + ($0.readOnly ? ",readonly" : "")
                                 + ($0.format == .qcow2 ? ",format=qcow2" : "")] } ?? [])
    }

    public func run(_ entry: CatalogEntry, kernelDirectory: String, cancelled: @escaping @Sendable () -> Bool) -> DriverRun {
        run(entry, kernelDirectory: kernelDirectory, disk: nil, cancelled: cancelled)
    }

    public func run(_ entry: CatalogEntry, kernelDirectory: String, disk: AttachedDisk?,
                    cancelled: @escaping @Sendable () -> Bool) -> DriverRun {
        // The data stream (ABI probe records) goes to a private file, read back after the run.
        let dataPath = NSTemporaryDirectory() + "tck-data-\(getpid())-\(UUID().uuidString).bin"
        let tablesPath = dataPath.replacingOccurrences(of: "tck-data-", with: "tck-tables-")
        defer { unlink(dataPath); unlink(tablesPath) }
        let arguments = arguments(for: entry, kernelDirectory: kernelDirectory, disk: disk)
        let process = ChildProcess(executable: executable,
                                   arguments: arguments + ["--data", dataPath] + (recordsProgrammedTables ? ["--tables", tablesPath] : []),
                                   timeoutSeconds: entry.timeoutSeconds + watchdogGraceSeconds)
        var run = process.driverRun(recording: [RecordedCommandLine.executable(executable)] + arguments,
                                    cancelled: cancelled, decode: Self.termination)
        if let data = CloseOnExecFile.contents(atPath: dataPath, limit: Self.dataLimit) { run.data = data }
        if recordsProgrammedTables, let tables = CloseOnExecFile.contents(atPath: tablesPath, limit: Self.dataLimit) {
            run.programmedTables = String(decoding: tables, as: UTF8.self)
        }
        return run
    }

    /// The largest data stream read back (bigger means a runaway guest; the run is judged without it).
    static let dataLimit = 64 << 20

    /// swiftvm's exit statuses (`swiftvm run --help`, EXIT STATUS).
    static func termination(status: Int32, stderr: String) -> DriverRun.Termination {
        let firstLine = stderr.split(separator: "\n").first.map { $0.replacingOccurrences(of: "swiftvm: ", with: "") } ?? ""
        switch status {
        case 0..<64: return .guestExit(code: UInt32(status))
        case 123: return .deadlock(reason: firstLine.isEmpty ? "every vCPU halted with interrupts disabled" : firstLine)
        case 124: return .timeout
        case 125, 126: return .guestCrash(reason: firstLine.isEmpty ? "guest crashed (status \(status))" : firstLine)
        default: return .vmmFailure(reason: firstLine.isEmpty ? "swiftvm exited with status \(status)" : "swiftvm status \(status): \(firstLine)")
        }
    }

    /// The machine type swiftvm boots when none is asked for (`swiftvm machines` marks it "(default)").
    private var defaultMachineType: String? {
        let result = ChildProcess(executable: executable, arguments: ["machines"], timeoutSeconds: 10).run()
        return String(decoding: result.stdout, as: UTF8.self).split(separator: "\n")
            .first { $0.contains("(default)") }?.split(separator: " ").first.map(String.init)
    }

    private var swiftvmVersion: String {
        let result = ChildProcess(executable: executable, arguments: ["--version"], timeoutSeconds: 10).run()
        let text = String(decoding: result.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "unknown" : text
    }
}
