import ArgumentParser
import Boot
import Devices
import Machine
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

    /// The same settings as plain values: what the run itself and `QuickRun` work with.
    var options: RunOptions {
        RunOptions(kernel: kernel, machine: choice.machine, cpuFeatures: choice.cpuFeatures, memory: memory, cpus: cpus,
                   cmdline: cmdline, initrd: initrd, boot: boot, serial: serial, timeout: timeout, strictIO: strictIO, disk: disk,
                   testdev: testdev, data: data, fileLimit: fileLimit, tables: tables, qemuExitCodes: qemuExitCodes,
                   snapshot: snapshot, restore: restore, controlSocket: controlSocket, keepTeardown: keepTeardown,
                   noCoalescedPio: noCoalescedPio, verbose: verbose)
    }

    func validate() throws { try options.validate() }

    func run() throws { throw ExitCode(options.execute()) }
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
