import Foundation

/// The libvirt driver's save → restore loop for `migrate = yes` entries: `virsh save` and `virsh restore`.
///
/// The guest asks as on QEMU (docs/guest-interface.md): the line `tck-migrate: save <tag>` on its console,
/// then it waits for one byte on its UART. The domain's serial port is a unix socket libvirt listens on,
/// its output logged to the console file (appended to, so every restored domain adds to the same file).
/// While virsh holds the domain (as for any test), tck reads the console file; on a new request it runs
/// `virsh save DOMAIN FILE` (libvirt pauses the guest, writes its state, ends the domain) and stops the
/// holder; then `virsh restore FILE; event …` holds the restored domain, and once `virsh domstate` says
/// running tck writes `R` to the serial socket. The first domain is `--autodestroy`; `virsh restore` has
/// no such flag, so a restored domain outlives a tck killed by SIGKILL until the next run's sweep of
/// leftover `tck-<pid>-…` domains (the ending of every other run destroys it).
struct LibvirtMigration {
    let driver: LibvirtDriver
    let client: Virsh
    let entry: CatalogEntry
    let domain: String
    let xmlPath: String
    let consolePath: String
    let serialSocket: String
    let snapshot: String

    func run(cancelled: @escaping @Sendable () -> Bool) -> DriverRun {
        let start = ChildProcess.now()
        let seconds = max(1, Int(entry.timeoutSeconds.rounded(.up)))
        let logFile = driver.logPath(domain)
        let virsh = [RecordedCommandLine.executable(driver.virsh), "-c", driver.uri]
        var commandLines = [virsh + ["create", xmlPath]]
        var record = MigrationRecord(snapshotPath: snapshot)
        var output = ""
        var restoring = false
        while true {
            let first = restoring ? "restore \(Virsh.quote(snapshot))" : "create \(Virsh.quote(xmlPath)) --autodestroy"
            // --loop: virsh save pauses the domain first, and a holder that ended on that event would close
            // its connection and so (--autodestroy) destroy the domain in the middle of the save. The
            // watcher ends the holder at the first event instead, which it never sees during a save (the
            // save runs inside the poll, and the holder is stopped right after it).
            let holder = client.process("\(first); event --domain \(Virsh.quote(domain)) --event lifecycle --loop --timeout \(seconds)",
                                        timeoutSeconds: Double(seconds) + LibvirtDriver.startAllowanceSeconds + watchdogGraceSeconds)
            let logSoFar = logFile.flatMap { CloseOnExecFile.prefix(atPath: $0, limit: LibvirtDriver.logLimit)?.bytes.count } ?? 0
            let watch = LibvirtDriver.LogWatch(path: logFile, offset: logSoFar)
            let session = Session(migration: self, requestsSoFar: record.saves, restoring: restoring, timeoutSeconds: entry.timeoutSeconds)
            let held = holder.run(cancelled: { cancelled() || watch.showsEnd() || session.poll() },
                                  watch: { event, _ in session.endsAtEvent(event) ? .stop : .goOn })
            let printed = String(decoding: held.stdout, as: UTF8.self)
            if restoring, let milliseconds = session.restoreMilliseconds, !record.rounds.isEmpty {
                record.rounds[record.rounds.count - 1].restoreMilliseconds = milliseconds
            }
            if let round = session.saved {
                record.rounds.append(round)
                commandLines.append(virsh + ["save", domain, snapshot])
            }
            if session.saved != nil, session.failure == nil {
                restoring = true
                commandLines.append(virsh + ["restore", snapshot])
                output += printed
                continue
            }
            let created = printed.contains("Domain '\(domain)' created") || printed.contains("Domain restored from") || watch.fired
            let recorded = commandLines.count == 1 ? commandLines[0] : ["sh", "-c", commandLines.map(RecordedCommandLine.shell).joined(separator: "; ")]
            // The ending is this holder's (the earlier ones ended with the saves); their output goes to the diagnostics.
            var run = driver.conclude(domain: domain, client: client, held: held, output: printed, earlierOutput: output,
                                      created: created, logFile: logFile,
                                      consolePath: consolePath, cancelled: cancelled, recorded: recorded,
                                      durationSeconds: ChildProcess.now() - start)
            if let failure = session.failure { run.termination = .vmmFailure(reason: failure) }
            run.migration = record
            return run
        }
    }

    /// One domain's watch, called from the holder's poll loop (at most every 100 ms): finds the next save
    /// request in the console file and carries it out; for a restored domain, answers the request that
    /// led to it once the guest runs. Returns true to stop the holder (after a save, or on a failure).
    final class Session {
        let migration: LibvirtMigration
        let requestsSoFar: Int
        let restoring: Bool
        let timeoutSeconds: Double
        private(set) var saved: MigrationRecord.Round?
        private(set) var failure: String?
        private(set) var restoreMilliseconds: Double?
        private var answered = false
        private let started = ChildProcess.now()
        private var lastLook = 0.0

        init(migration: LibvirtMigration, requestsSoFar: Int, restoring: Bool, timeoutSeconds: Double) {
            self.migration = migration
            self.requestsSoFar = requestsSoFar
            self.restoring = restoring
            self.timeoutSeconds = timeoutSeconds
        }

        private var holderOutput: [UInt8] = []

        /// True once the holder printed a lifecycle event: the domain ended (or paused) by itself.
        func endsAtEvent(_ event: ChildProcess.WatchEvent) -> Bool {
            guard case let .stdout(chunk) = event else { return false }
            holderOutput += chunk
            return LibvirtLifecycle.Event.last(in: String(decoding: holderOutput, as: UTF8.self)) != nil
        }

        func poll() -> Bool {
            let now = ChildProcess.now()
            guard now - lastLook >= 0.05 else { return false }
            lastLook = now
            if restoring && !answered { return answerWhenRunning() }
            guard let console = CloseOnExecFile.prefix(atPath: migration.consolePath, limit: LibvirtDriver.consoleLimit)?.bytes else {
                return false
            }
            let tags = console.split(separator: UInt8(ascii: "\n")).compactMap { QEMUMigrationSession.tag(ofRequest: Array($0)) }
            guard tags.count > requestsSoFar else { return false }
            return save(tag: tags[requestsSoFar])
        }

        private func save(tag: UInt32) -> Bool {
            let number = requestsSoFar + 1
            guard requestsSoFar < MigrationRecord.maximumRestores else {
                saved = MigrationRecord.Round(tag: tag, restored: false)
                failure = "the guest asked for save \(number) but tck restores a VM at most \(MigrationRecord.maximumRestores) times"
                return true
            }
            unlink(migration.snapshot)
            let begun = ChildProcess.now()
            let result = migration.client.run("save \(Virsh.quote(migration.domain)) \(Virsh.quote(migration.snapshot))",
                                              timeoutSeconds: timeoutSeconds + LibvirtDriver.startAllowanceSeconds)
            guard case .exited(0) = result.ending else {
                failure = "save \(number) (tag \(tag)): virsh save: \(Virsh.errorText(result))"
                return true
            }
            var facts = stat()
            saved = MigrationRecord.Round(tag: tag, bytes: stat(migration.snapshot, &facts) == 0 ? UInt64(facts.st_size) : nil,
                                          saveMilliseconds: (ChildProcess.now() - begun) * 1000)
            return true
        }

        /// Once `virsh domstate` says running: `R` to the serial socket. Until then, nothing (the restore
        /// is the holder's first command; its own deadline bounds the wait).
        private func answerWhenRunning() -> Bool {
            let state = migration.client.run("domstate \(Virsh.quote(migration.domain))", timeoutSeconds: 30)
            guard String(decoding: state.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "running" else {
                return false
            }
            restoreMilliseconds = (ChildProcess.now() - started) * 1000
            answered = true
            do throws(QMPError) {
                let socket = try QMPSocket(path: migration.serialSocket, timeoutSeconds: 5)
                try socket.send(Array("R".utf8), during: "writing R to the guest's serial input")
            } catch {
                failure = "restore \(requestsSoFar): the serial socket \(migration.serialSocket): \(error)"
                return true
            }
            return false
        }
    }
}
