import ArgumentParser
import Boot
import Devices
import Machine
import Quantities
#if canImport(Glibc)
import Glibc
#endif

/// The settings of `swiftvm run` as plain values, and the run itself. `Run` declares them to
/// ArgumentParser and hands them over; `QuickRun` fills them without it (its property wrappers cost
/// ~0.3 ms of every start, more than the rest of the parse).
struct RunOptions {
    var kernel: String?
    var machine: String?
    var cpuFeatures: String?
    var memory: String?
    var cpus: Int?
    var cmdline = ""
    var initrd: String?
    var boot = BootChoice.auto
    var serial = SerialTarget.stdout
    var timeout = "10s"
    var strictIO = false
    var disk: String?
    var testdev = false
    var data: String?
    var fileLimit = "64M"
    var tables: String?
    var qemuExitCodes = false
    var snapshot: String?
    var restore: String?
    var controlSocket: String?
    var keepTeardown = false
    var noCoalescedPio = false
    var verbose = false

    func validate() throws {
        if restore != nil {
            let fixed = [("--kernel", kernel != nil), ("--machine", machine != nil), ("--memory", memory != nil), ("--cpus", cpus != nil),
                         ("--cmdline", !cmdline.isEmpty), ("--initrd", initrd != nil), ("--boot", boot != .auto), ("--disk", disk != nil),
                         ("--cpu-features", cpuFeatures != nil)]
            if let (name, _) = fixed.first(where: { $0.1 }) {
                throw ValidationError("\(name) cannot be given with --restore: the snapshot fixes it")
            }
        } else if kernel == nil {
            throw ValidationError("--kernel is required (or --restore FILE to resume a saved VM)")
        }
        let memory = self.memory ?? "64M"
        guard let bytes = Quantities.byteSize(memory) else {
            throw ValidationError("--memory '\(memory)' is not a size; use e.g. 64M or 1G")
        }
        guard bytes % 4096 == 0 else { throw ValidationError("--memory must be a multiple of 4 KiB") }
        guard Quantities.seconds(timeout) != nil else {
            throw ValidationError("--timeout '\(timeout)' is not a duration; use e.g. 10s, 500ms or 2m")
        }
        do { _ = try MachineChoice.resolve(machine: machine, cpuFeatures: cpuFeatures) } catch { throw ValidationError("\(error)") }
        guard (cpus ?? 1) >= 1 else { throw ValidationError("--cpus must be at least 1") }
        if data != nil && !testdev { throw ValidationError("--data needs --testdev") }
        if let disk { _ = try DiskOption.parse(disk) }
        guard Quantities.byteSize(fileLimit) != nil else {
            throw ValidationError("--file-limit '\(fileLimit)' is not a size; use e.g. 64M")
        }
    }

    /// /dev/kvm for this process's one machine, its CPUID query started on first use (`HostKVM`):
    /// `SwiftVM.main` touches it before parsing a `run`, so both parse paths share the one query.
    static let host = HostKVM()

    /// Runs the machine; returns swiftvm's exit status. Call after `validate()`.
    func execute() -> Int32 {
        // --timeout bounds the whole run, set-up included: a timeout verdict costs the timeout, not more.
        let started = Machine.now()
        let host = Self.host
        signal(SIGPIPE, SIG_IGN)
        var config = MachineConfiguration(kernelPath: kernel ?? "")
        do {
            config.machineType = try MachineChoice.resolve(machine: machine, cpuFeatures: cpuFeatures)
            config.disk = try disk.map(DiskOption.parse)
        } catch {
            fail("\(error)", status: .usage)   // both checked in validate()
        }
        config.memorySize = Quantities.byteSize(memory ?? "64M")!
        config.cpus = cpus ?? 1
        config.commandLine = cmdline
        config.initrdPath = initrd
        config.bootProtocol = boot.protocolChoice
        config.testdev = testdev
        config.strictIO = strictIO
        config.coalescesPortWrites = !noCoalescedPio
        config.snapshotPath = snapshot
        return exitStatus(for: runMachine(config, host: host, started: started))
    }

    /// Builds, runs and releases the machine; returns how the run ended.
    /// Order matters for the deferred teardown: the holder must have the VM fds *before* the Machine is
    /// released (else closing them here destroys the VM here).
    private func runMachine(_ config: MachineConfiguration, host: HostKVM, started: Double) -> RunStatus {
        let machine: Machine
        // Output files are capped (--file-limit): a guest writing forever cannot fill the host's disk.
        let limit = Quantities.byteSize(fileLimit)!
        var files: [(what: String, sink: LimitedSink)] = []
        do {
            var console = try serial.sink()
            if case .file = serial, let file = console {
                let limited = LimitedSink(file, limit: limit)
                files.append(("console file", limited))
                console = limited
            }
            let dataFile = try data.map { path throws(FileSinkError) in LimitedSink(try FileSink(path: path), limit: limit) }
            if let dataFile { files.append(("data file", dataFile)) }
            if snapshot != nil || restore != nil || controlSocket != nil { SaveSignal.blockInThisThread() }
            if let restore {
                machine = try Machine(restoring: restore, consoleOutput: console, dataOutput: dataFile, host: host) { restored in
                    restored.snapshotPath = snapshot
                    restored.testdev = restored.testdev || testdev
                    restored.strictIO = restored.strictIO || strictIO
                    restored.coalescesPortWrites = !noCoalescedPio
                }
            } else {
                machine = try Machine(config, consoleOutput: console, dataOutput: dataFile, host: host)
            }
            if let tables {
                let sink = try FileSink(path: tables)
                sink.write(Array(ProgrammedTables.text(machineType: config.machineType, cpuid: machine.programmedCPUID,
                                                       cpus: config.cpus).utf8))
            }
        } catch let error as MachineError {
            fail(error.description, status: error.exitStatus)
        } catch {
            fail("\(error)", status: .badInput)
        }
        // Save triggers for users: SIGUSR1 and the control socket (the guest's port is the machine's own).
        if snapshot != nil || restore != nil || controlSocket != nil { SaveSignal.start(machine) }
        var control: ControlSocket?
        if let controlSocket {
            do { control = try ControlSocket(path: controlSocket, machine: machine, started: started) } catch {
                fail("--control-socket \(controlSocket): \(error)", status: .usage)
            }
        }
        // A restored run's --timeout counts from the restore: the machine is built by now.
        let result = machine.run(timeout: Quantities.seconds(timeout)!, countingFrom: restore == nil ? started : Machine.now())
        control?.finish(result.status)
        report(result, machine: machine)
        for file in files where file.sink.droppedByteCount > 0 {
            writeStandardError("swiftvm: \(file.what) full at --file-limit \(fileLimit); \(file.sink.droppedByteCount) bytes not written\n")
        }
        // The holder inherits the live VM; after a hand-off the machine is kept until exit (DeferredTeardown).
        if !keepTeardown { DeferredTeardown.handOffToChild(keeping: machine) }
        return result.status
    }

    private func exitStatus(for status: RunStatus) -> Int32 {
        switch status {
        case let .guestExit(code): qemuExitCodes ? DebugExit.qemuStatus(for: code) : Int32(code & 0xFF)
        case .timeout: ExitStatus.timeout.rawValue
        case .deadlock: ExitStatus.deadlock.rawValue
        case .shutdown, .systemEvent, .halted, .guestReset: ExitStatus.shutdown.rawValue
        case .internalError, .failEntry: ExitStatus.kvmInternalError.rawValue
        case .unassignedAccess: ExitStatus.unassignedAccess.rawValue
        case .vmmFailure: ExitStatus.vmmFailure.rawValue
        case .saved: ExitStatus.saved.rawValue
        }
    }

    private func report(_ result: RunResult, machine: Machine) {
        var lines: [String] = []
        if case .guestExit = result.status {
            if verbose { lines.append("swiftvm: \(result.status.summary)") }
        } else {
            lines.append("swiftvm: \(result.status.summary)")
        }
        if let snapshot = result.snapshot { lines.append(snapshot.dump) }
        if result.consoleBytesDropped > 0 {
            lines.append("swiftvm: console capture full; \(result.consoleBytesDropped) bytes not kept")
        }
        if verbose {
            var entry = "restored from \(restore ?? "a snapshot")"
            if let kernel = machine.kernel, let start = machine.entry {
                entry = "\(kernel.protocolUsed.rawValue) entry 0x\(String(start.eip, radix: 16))"
            }
            lines.append("swiftvm: \(entry), "
                + "set-up \(milliseconds(result.setupSeconds)), run \(milliseconds(result.runSeconds)), "
                + "\(result.exitCount) exits, \(result.unassignedAccesses) unassigned accesses, "
                + "\(result.refusedMSRAccesses) MSR accesses refused (#GP)")
            lines += machine.deviceSummaries.map { "swiftvm: \($0)" }
        }
        guard !lines.isEmpty else { return }
        writeStandardError(lines.joined(separator: "\n") + "\n")
    }

    private func milliseconds(_ seconds: Double) -> String {
        let tenths = Int((seconds * 10_000).rounded())
        return "\(tenths / 10).\(tenths % 10) ms"
    }
}
