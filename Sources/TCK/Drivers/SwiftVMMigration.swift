import Foundation

/// swiftvm's save → kill → restore loop for `migrate = yes` entries (contract: docs/snapshot-format.md,
/// `swiftvm run --help`): the first process boots with `--snapshot FILE`; a guest's save request ends it
/// with status 122 (`saved`) after the snapshot is written; tck then starts
/// `swiftvm run --restore FILE --snapshot FILE …`, again while the status is 122, at most
/// `MigrationRecord.maximumRestores` times. Every process gets the entry's timeout.
extension SwiftVMDriver {
    /// The status swiftvm ends a run with after a successful save.
    static let savedStatus: Int32 = 122

    public func runMigrating(_ entry: CatalogEntry, kernelDirectory: String, disk: AttachedDisk?, snapshot: String,
                             cancelled: @escaping @Sendable () -> Bool) -> DriverRun {
        let start = ChildProcess.now()
        let boot = arguments(for: entry, kernelDirectory: kernelDirectory, disk: disk) + ["--snapshot", snapshot]
        // Kernel, memory, cpus, machine type, command line and disk come from the snapshot file. -v: swiftvm
        // then says how long the restore took (`restored from FILE, set-up T ms, …`); its first stderr line
        // is still the one that names a failure.
        let restore = ["run", "--restore", snapshot, "--snapshot", snapshot,
                       "--timeout", "\(Int((entry.timeoutSeconds * 1000).rounded()))ms", "--testdev", "--serial", "stdout", "-v"]
        var chain = MigrationChain(consoleLimit: ChildProcess(executable: executable, arguments: [], timeoutSeconds: 0).stdoutLimit)
        var record = MigrationRecord(snapshotPath: snapshot)
        var arguments = boot
        while true {
            let dataPath = NSTemporaryDirectory() + "tck-data-\(getpid())-\(UUID().uuidString).bin"
            defer { unlink(dataPath) }
            let process = ChildProcess(executable: executable, arguments: arguments + ["--data", dataPath],
                                       timeoutSeconds: entry.timeoutSeconds + watchdogGraceSeconds)
            let result = process.run(cancelled: cancelled)
            chain.add(result, commandLine: [RecordedCommandLine.executable(executable)] + arguments,
                      data: CloseOnExecFile.contents(atPath: dataPath, limit: Self.dataLimit) ?? [])
            if arguments != boot, let milliseconds = Self.restoreMilliseconds(result.stderrText), !record.rounds.isEmpty {
                record.rounds[record.rounds.count - 1].restoreMilliseconds = milliseconds
            }
            guard case .exited(Self.savedStatus) = result.ending else {
                let termination = result.commonTermination ?? {
                    guard case let .exited(status) = result.ending else { return .vmmFailure(reason: "unknown ending") }
                    return Self.termination(status: status, stderr: result.stderrText)
                }()
                return chain.driverRun(termination, migration: record, durationSeconds: ChildProcess.now() - start)
            }
            var round = Self.savedRound(result.stderrText)
            guard record.restores < MigrationRecord.maximumRestores else {
                round.restored = false
                record.rounds.append(round)
                let reason = "the guest asked for save \(record.saves) but tck restores a VM at most \(MigrationRecord.maximumRestores) times"
                return chain.driverRun(.vmmFailure(reason: reason), migration: record, durationSeconds: ChildProcess.now() - start)
            }
            record.rounds.append(round)
            arguments = restore
        }
    }

    /// The figures of `swiftvm: saved to FILE (N bytes, T ms)` on stderr; none when swiftvm printed no such line.
    static func savedRound(_ stderr: String) -> MigrationRecord.Round {
        let figures = figures(after: "swiftvm: saved to ", in: stderr)
        return MigrationRecord.Round(bytes: figures["bytes"].flatMap { UInt64($0) },
                                     saveMilliseconds: figures["ms"].flatMap { Double($0) })
    }

    /// How long a restore took before the guest ran again: T of `swiftvm -v`'s `swiftvm: restored from FILE,
    /// set-up T ms, run …` (reading the file and rebuilding the VM), or of a `restored from FILE (…, T ms)` line.
    static func restoreMilliseconds(_ stderr: String) -> Double? {
        let prefix = "swiftvm: restored from "
        if let line = stderr.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }),
           let setUp = line.range(of: ", set-up "), let unit = line[setUp.upperBound...].range(of: " ms") {
            return Double(line[setUp.upperBound..<unit.lowerBound])
        }
        return figures(after: prefix, in: stderr)["ms"].flatMap { Double($0) }
    }

    /// "(N bytes, T ms)" at the end of the first line starting with `prefix` → ["bytes": "N", "ms": "T"].
    private static func figures(after prefix: String, in stderr: String) -> [String: String] {
        guard let line = stderr.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }),
              line.hasSuffix(")"), let open = line.lastIndex(of: "(") else { return [:] }
        var figures: [String: String] = [:]
        for figure in line[line.index(after: open)..<line.index(before: line.endIndex)].split(separator: ",") {
            let words = figure.split(separator: " ")
            if words.count == 2 { figures[String(words[1])] = String(words[0]) }
        }
        return figures
    }
}

/// The processes of one migrate run, joined: consoles and data streams in order (the console capped as
/// one process's would be), stderr with a marker line before each restore, the command lines as one
/// `sh -c` line that re-runs the chain.
struct MigrationChain {
    let consoleLimit: Int
    private(set) var console: [UInt8] = []
    private(set) var consoleDropped: UInt64 = 0
    private(set) var data: [UInt8] = []
    private(set) var diagnostics = ""
    private(set) var commandLines: [[String]] = []

    init(consoleLimit: Int) { self.consoleLimit = consoleLimit }

    mutating func add(_ result: ChildProcess.Result, commandLine: [String], data: [UInt8] = []) {
        if !commandLines.isEmpty {
            diagnostics += "tck: process \(commandLines.count + 1) (after save \(commandLines.count)): "
                + RecordedCommandLine.shell(commandLine) + "\n"
        }
        commandLines.append(commandLine)
        let room = max(0, consoleLimit - console.count)
        console += result.stdout.prefix(room)
        consoleDropped += UInt64(result.stdout.count - min(room, result.stdout.count)) + result.stdoutDropped
        self.data += data
        diagnostics += result.stderrText
    }

    /// The one command line that re-runs every process in order (`sh -c 'A; B; …'`); a single process's own.
    var recordedCommandLine: [String] {
        commandLines.count == 1 ? commandLines[0] : ["sh", "-c", commandLines.map(RecordedCommandLine.shell).joined(separator: "; ")]
    }

    func driverRun(_ termination: DriverRun.Termination, migration: MigrationRecord, durationSeconds: Double) -> DriverRun {
        var run = DriverRun(termination: termination, console: console, consoleBytesDropped: consoleDropped,
                            durationSeconds: durationSeconds, diagnostics: diagnostics, commandLine: recordedCommandLine, data: data)
        run.migration = migration
        return run
    }
}
