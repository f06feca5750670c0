import Foundation

/// The qemu driver's save → kill → restore loop for `migrate = yes` entries, through QMP.
///
/// QEMU has no save port, so the guest library asks on the console (docs/guest-interface.md): it prints
/// `tck-migrate: save <tag>` and waits for one byte on the UART. tck watches the console as it arrives;
/// on that line it `stop`s the guest, `migrate`s it to the snapshot file, waits for `query-migrate` to say
/// completed, kills that QEMU, starts the same command line plus `-incoming "exec:cat FILE"`, waits until
/// `query-status` says running (`cont` if it stays paused) and writes `R` to the guest's serial input.
/// Every process gets the entry's timeout.
extension QEMUDriver {
    public func runMigrating(_ entry: CatalogEntry, kernelDirectory: String, disk: AttachedDisk?, snapshot: String,
                             cancelled: @escaping @Sendable () -> Bool) -> DriverRun {
        let start = ChildProcess.now()
        let executable = Self.resolve(executable) ?? executable
        let base = arguments(for: entry, kernelDirectory: kernelDirectory, disk: disk)
        var chain = MigrationChain(consoleLimit: ChildProcess(executable: executable, arguments: [], timeoutSeconds: 0).stdoutLimit)
        var record = MigrationRecord(snapshotPath: snapshot)
        var incoming = false
        for index in 0... {
            let socket = NSTemporaryDirectory() + "tck-qmp-\(getpid())-\(UUID().uuidString.prefix(8))-\(index).sock"
            defer { unlink(socket) }
            let arguments = base + ["-qmp", "unix:\(socket),server=on,wait=off"]
                + (incoming ? ["-incoming", "exec:cat " + RecordedCommandLine.shellQuoted(snapshot)] : [])
            var process = ChildProcess(executable: executable, arguments: arguments, timeoutSeconds: entry.timeoutSeconds)
            process.stopWhenStderrContains = "KVM internal error"
            process.stdinPipe = true
            let session = QEMUMigrationSession(socket: socket, snapshot: snapshot, incoming: incoming,
                                               timeoutSeconds: entry.timeoutSeconds, restoresSoFar: record.restores,
                                               cancelled: cancelled)
            let result = process.run(cancelled: cancelled) { event, input in session.handle(event, input: input) }
            chain.add(result, commandLine: [RecordedCommandLine.executable(executable)] + arguments)
            if incoming, let milliseconds = session.restoreMilliseconds, !record.rounds.isEmpty {
                record.rounds[record.rounds.count - 1].restoreMilliseconds = milliseconds
            }
            if let round = session.saved { record.rounds.append(round) }
            if let failure = session.failure {
                return chain.driverRun(.vmmFailure(reason: failure), migration: record, durationSeconds: ChildProcess.now() - start)
            }
            guard session.saved != nil, result.ending == .stoppedByWatcher else {
                let termination = result.commonTermination ?? {
                    guard case let .exited(status) = result.ending else { return .vmmFailure(reason: "unknown ending") }
                    return Self.termination(status: status, stderr: result.stderrText)
                }()
                return chain.driverRun(termination, migration: record, durationSeconds: ChildProcess.now() - start)
            }
            incoming = true
        }
        fatalError("unreachable: the loop above returns")
    }
}

/// One QEMU process of a migrate run, seen from the console watcher: finds the save request, carries out
/// the save through QMP, or (for a restored process) waits until the guest runs and answers it.
final class QEMUMigrationSession {
    /// What the guest library prints to ask to be saved (docs/guest-interface.md), then a space and its tag.
    static let saveRequest = "tck-migrate: save"
    /// The request, a 10-digit tag, and some room for spaces and a CR.
    static let longestRequest = 64

    let socket: String
    let snapshot: String
    let incoming: Bool
    let timeoutSeconds: Double
    let restoresSoFar: Int
    /// Checked while waiting on QEMU: the watcher blocks ChildProcess's own cancellation check.
    let cancelled: () -> Bool
    /// The save this process ended with, when it did.
    private(set) var saved: MigrationRecord.Round?
    /// Why the run must end as an error (a QMP failure, a migration QEMU says failed, too many saves).
    private(set) var failure: String?
    private(set) var restoreMilliseconds: Double?
    private var line: [UInt8] = []
    private var started = 0.0

    init(socket: String, snapshot: String, incoming: Bool, timeoutSeconds: Double, restoresSoFar: Int,
         cancelled: @escaping () -> Bool = { false }) {
        self.socket = socket
        self.snapshot = snapshot
        self.incoming = incoming
        self.timeoutSeconds = timeoutSeconds
        self.restoresSoFar = restoresSoFar
        self.cancelled = cancelled
    }

    /// Before each poll of a wait: past `deadline` or cancelled, the wait for `what` ends with an error.
    private func checkWait(until deadline: Double, for what: @autoclosure () -> String) throws(QMPError) {
        if cancelled() { throw .cancelled(waitingFor: what()) }
        guard ChildProcess.now() < deadline else { throw .timeout(waitingFor: what()) }
    }

    func handle(_ event: ChildProcess.WatchEvent, input: ChildProcess.Input?) -> ChildProcess.WatchDecision {
        switch event {
        case .started:
            started = ChildProcess.now()
            guard incoming else { return .goOn }
            do throws(QMPError) { try resume(input: input) } catch {
                failure = "restore \(restoresSoFar + 1): \(error)"
                return .stop
            }
            return .goOn
        case let .stdout(chunk):
            for byte in chunk {
                // A request line is short: a longer line is not one, and a guest flooding its console
                // without newlines must not grow this buffer.
                guard byte == UInt8(ascii: "\n") else {
                    if line.count <= Self.longestRequest { line.append(byte) }
                    continue
                }
                defer { line.removeAll(keepingCapacity: true) }
                guard let tag = Self.tag(ofRequest: line) else { continue }
                return save(tag: tag)
            }
            return .goOn
        }
    }

    /// The tag of a `tck-migrate: save <tag>` line (CR and spaces around it ignored); nil for any other line.
    static func tag(ofRequest line: [UInt8]) -> UInt32? {
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix(saveRequest + " ") else { return nil }
        return UInt32(text.dropFirst(saveRequest.count + 1).trimmingCharacters(in: .whitespaces))
    }

    private func save(tag: UInt32) -> ChildProcess.WatchDecision {
        let number = restoresSoFar + 1
        guard restoresSoFar < MigrationRecord.maximumRestores else {
            saved = MigrationRecord.Round(tag: tag, restored: false)
            failure = "the guest asked for save \(number) but tck restores a VM at most \(MigrationRecord.maximumRestores) times"
            return .stop
        }
        do throws(QMPError) {
            saved = try migrateToFile(tag: tag)
        } catch {
            failure = "save \(number) (tag \(tag)): \(error)"
        }
        return .stop
    }

    /// `stop`, `migrate` to the snapshot file, poll `query-migrate` until completed. The stream is written
    /// to FILE.part and renamed by the same shell command once `cat` has it all, so the file exists only
    /// complete (QEMU reports completed when it has sent the last byte, not when `cat` has written it).
    private func migrateToFile(tag: UInt32) throws(QMPError) -> MigrationRecord.Round {
        var qmp = try QMPClient(path: socket, timeoutSeconds: min(timeoutSeconds, QMPClient.defaultReplyTimeoutSeconds))
        try qmp.stop()
        unlink(snapshot)
        let part = RecordedCommandLine.shellQuoted(snapshot + ".part"), file = RecordedCommandLine.shellQuoted(snapshot)
        try qmp.migrate(uri: "exec:cat > \(part) && mv \(part) \(file)")
        let deadline = ChildProcess.now() + timeoutSeconds
        while true {
            let info = try qmp.queryMigrate()
            switch info.status {
            case "completed":
                try waitForFile(until: deadline)
                var facts = stat()
                let bytes = stat(snapshot, &facts) == 0 ? UInt64(facts.st_size) : nil
                return MigrationRecord.Round(tag: tag, bytes: bytes, saveMilliseconds: info.totalTime.map { Double($0) })
            case "failed", "cancelled":
                throw .commandFailed(command: "migrate", errorClass: info.status ?? "failed",
                                     description: info.errorDescription ?? "QEMU gave no reason")
            default:
                try checkWait(until: deadline, for: "the migration to complete (last status \(info.status ?? "none"))")
                usleep(5_000)
            }
        }
    }

    private func waitForFile(until deadline: Double) throws(QMPError) {
        while access(snapshot, F_OK) != 0 {
            try checkWait(until: deadline, for: "cat to finish writing \(snapshot)")
            usleep(2_000)
        }
    }

    /// A restored QEMU: wait until the incoming migration is done and the guest runs (`cont` when QEMU left
    /// it paused), then answer the guest's request with `R` on its serial input.
    private func resume(input: ChildProcess.Input?) throws(QMPError) {
        var qmp = try QMPClient(path: socket, timeoutSeconds: timeoutSeconds)
        let deadline = ChildProcess.now() + timeoutSeconds
        while true {
            let status = try qmp.queryStatus()
            if status.running { break }
            switch status.status {
            case "inmigrate", "prelaunch", "restore-vm", "finish-migrate":
                break
            case "paused", "postmigrate":
                try qmp.cont()
            default:
                throw .malformed("the restored guest is \(status.status), not running")
            }
            try checkWait(until: deadline, for: "the restored guest to run (status \(status.status))")
            usleep(2_000)
        }
        restoreMilliseconds = (ChildProcess.now() - started) * 1000
        guard input?.write(Array("R".utf8)) == true else { throw .closed(during: "writing R to the guest's serial input") }
    }
}
