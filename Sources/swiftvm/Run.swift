import ArgumentParser
import Boot
import Devices
import Machine
import Quantities
#if canImport(Glibc)
import Glibc
#endif

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Boot an ELF kernel and run it until it exits through port 0xf4, stops, or times out.",
        discussion: ExitStatus.helpText
    )

    @Option(help: ArgumentHelp("The kernel: an ELF32/ELF64 file with a PVH note or a Multiboot v1 header (or --restore).", valueName: "path"))
    var kernel: String?

    @OptionGroup var choice: MachineChoice

    @Option(help: ArgumentHelp("Guest RAM, e.g. 64M, 1G (at least 4M; default 64M).", valueName: "size"))
    var memory: String?

    @Option(help: "Number of vCPUs; APs wait for INIT/SIPI from the guest (default 1).")
    var cpus: Int?

    @Option(help: "The kernel command line.")
    var cmdline: String = ""

    @Option(help: ArgumentHelp("A file handed to the guest as its first boot module (PVH modlist / Multiboot mods).", valueName: "path"))
    var initrd: String?

    @Option(help: ArgumentHelp("Entry protocol: auto (PVH if present, else Multiboot), pvh or multiboot.", valueName: "protocol"))
    var boot: BootChoice = .auto

    @Option(help: ArgumentHelp("Where guest console output goes: stdout, none, or file:PATH.", valueName: "target"))
    var serial: SerialTarget = .stdout

    @Option(help: ArgumentHelp("Stop the run this long after swiftvm started, e.g. 10s, 500ms, 2m.", valueName: "duration"))
    var timeout: String = "10s"

    @Flag(help: "Fail the run when the guest touches a port or MMIO address with no device.")
    var strictIO = false

    @Option(help: ArgumentHelp("The image behind the machine type's virtio-blk disk (swiftvm-1.2 and later); "
                               + "',readonly' makes guest writes fail; ',format=raw|qcow2' (default: probed from the "
                               + "first bytes; a probed raw image refuses writes that would make it look like qcow2).",
                               valueName: "file[,readonly][,format=F]"))
    var disk: String?

    @Flag(help: "Add the test data channel at port 0xec0 (bulk guest-to-host transfer; docs/guest-interface.md).")
    var testdev = false

    @Option(help: ArgumentHelp("With --testdev: write the guest's data stream (stream 1) to this file.", valueName: "path"))
    var data: String?

    @Option(help: ArgumentHelp("Write at most this much to each output file (--serial file:PATH, --data); the rest is dropped and counted on stderr.", valueName: "size"))
    var fileLimit: String = "64M"

    @Option(help: ArgumentHelp("Write the CPUID table (vCPU 0) and the MSR list programmed into KVM to this file.", valueName: "path"))
    var tables: String?

    @Flag(help: "Exit with (value << 1) | 1 for a guest exit, as QEMU's isa-debug-exit does.")
    var qemuExitCodes = false

    @Option(help: ArgumentHelp("Where a save writes the VM: a guest request on port 0xec8, SIGUSR1 or the control socket's `save`; "
                               + "the run then ends with status 122 (docs/snapshot-format.md).", valueName: "file"))
    var snapshot: String?

    @Option(help: ArgumentHelp("Resume a VM saved with --snapshot, in this process: the machine type, memory, vCPUs, kernel "
                               + "command line and disk come from the file (so --kernel, --machine, --memory, --cpus, --cmdline, "
                               + "--initrd, --boot, --disk and --cpu-features cannot be given); --timeout counts from the restore.",
                               valueName: "file"))
    var restore: String?

    @Option(help: ArgumentHelp("Listen on this unix socket for commands, one per line: `save` (answers `ok saved FILE`, then "
                               + "the VM stops) and `info`.", valueName: "path"))
    var controlSocket: String?

    @Flag(help: ArgumentHelp("Destroy the VM before exiting instead of in a detached child (costs ~20 ms here).", visibility: .hidden))
    var keepTeardown = false

    @Flag(help: ArgumentHelp("Let every port write exit to swiftvm instead of KVM queueing writes to unassigned ports and index latches (for measuring exits).",
                             visibility: .hidden))
    var noCoalescedPio = false

    @Flag(name: .shortAndLong, help: "Print timings and exit counts on stderr.")
    var verbose = false

    func validate() throws {
        if restore != nil {
            let fixed = [("--kernel", kernel != nil), ("--machine", choice.machine != nil), ("--memory", memory != nil), ("--cpus", cpus != nil),
                         ("--cmdline", !cmdline.isEmpty), ("--initrd", initrd != nil), ("--boot", boot != .auto), ("--disk", disk != nil),
                         ("--cpu-features", choice.cpuFeatures != nil)]
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
        guard (cpus ?? 1) >= 1 else { throw ValidationError("--cpus must be at least 1") }
        if data != nil && !testdev { throw ValidationError("--data needs --testdev") }
        if let disk { _ = try DiskOption.parse(disk) }
        guard Quantities.byteSize(fileLimit) != nil else {
            throw ValidationError("--file-limit '\(fileLimit)' is not a size; use e.g. 64M")
        }
    }

    func run() throws {
        // --timeout bounds the whole run, set-up included: a timeout verdict costs the timeout, not more.
        let started = Machine.now()
        signal(SIGPIPE, SIG_IGN)
        var config = MachineConfiguration(kernelPath: kernel ?? "")
        config.machineType = try choice.resolve()   // checked in validate()
        config.memorySize = Quantities.byteSize(memory ?? "64M")!
        config.cpus = cpus ?? 1
        config.commandLine = cmdline
        config.initrdPath = initrd
        config.bootProtocol = boot.protocolChoice
        config.testdev = testdev
        config.strictIO = strictIO
        config.coalescesPortWrites = !noCoalescedPio
        config.disk = try disk.map(DiskOption.parse)
        config.snapshotPath = snapshot

        let status = runMachine(config, started: started)
        throw ExitCode(exitStatus(for: status))
    }

    /// Builds, runs and releases the machine; returns how the run ended.
    /// Order matters for the deferred teardown: the child must hold the VM fds *before* the Machine is
    /// released (else closing them here destroys the VM here), and guest RAM must be unmapped by that
    /// release *before* exit (else exit_mmap pays the same cost).
    private func runMachine(_ config: MachineConfiguration, started: Double) -> RunStatus {
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
                machine = try Machine(restoring: restore, consoleOutput: console, dataOutput: dataFile) { restored in
                    restored.snapshotPath = snapshot
                    restored.testdev = restored.testdev || testdev
                    restored.strictIO = restored.strictIO || strictIO
                    restored.coalescesPortWrites = !noCoalescedPio
                }
            } else {
                machine = try Machine(config, consoleOutput: console, dataOutput: dataFile)
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
        // The child must inherit a live VM, so `machine` is kept alive up to the fork (ARC could release it
        // after its last use above); released right after, its deinit unmaps guest RAM in this process.
        if !keepTeardown { withExtendedLifetime(machine) { _ = DeferredTeardown.handOffToChild() } }
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
            lines += result.deviceSummaries.map { "swiftvm: \($0)" }
        }
        guard !lines.isEmpty else { return }
        writeStandardError(lines.joined(separator: "\n") + "\n")
    }

    private func milliseconds(_ seconds: Double) -> String {
        let tenths = Int((seconds * 10_000).rounded())
        return "\(tenths / 10).\(tenths % 10) ms"
    }
}

func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}

func fail(_ message: String, status: ExitStatus) -> Never {
    writeStandardError("swiftvm: \(message)\n")
    exit(status.rawValue)
}

enum BootChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, pvh, multiboot
    var protocolChoice: BootProtocol? { BootProtocol(rawValue: rawValue) }
}

enum SerialTarget: ExpressibleByArgument {
    case stdout, none, file(String)

    init?(argument: String) {
        switch argument {
        case "stdout": self = .stdout
        case "none": self = .none
        case _ where argument.hasPrefix("file:") && argument.count > 5: self = .file(String(argument.dropFirst(5)))
        default: return nil
        }
    }

    func sink() throws(FileSinkError) -> ByteSink? {
        switch self {
        case .stdout: FileSink.standardOutput()
        case .none: nil
        case let .file(path): try FileSink(path: path)
        }
    }
}
