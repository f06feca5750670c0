import ABI
import ArgumentParser
import Foundation
import Reports
import Quantities
import TCK

struct ABICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "abi",
        abstract: "Capture, compare and gate on the guest-visible ABI (fingerprints captured from inside the guest).",
        subcommands: [Dump.self, Diff.self, Check.self, Report.self])
}

/// Which VMM to capture on, and how to reach it.
struct CaptureOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The VMM.", valueName: "name"))
    var driver: DriverKind = .swiftvm

    @Option(help: ArgumentHelp("vCPUs of the captured machine.", valueName: "n"))
    var cpus = 2

    @Option(help: ArgumentHelp("Guest RAM of the captured machine.", valueName: "size"))
    var memory = "64M"

    @Option(help: ArgumentHelp("Where the kernels are (abiprobe.elf).", valueName: "dir"))
    var kernels = "TestGuests/build"

    @Option(help: ArgumentHelp("The swiftvm binary (default: the one built beside tck).", valueName: "path"))
    var swiftvm: String?

    @Option(help: ArgumentHelp("The QEMU binary.", valueName: "path"))
    var qemu = "qemu-system-x86_64"

    @OptionGroup var libvirt: LibvirtOptions

    /// Builds and probes the driver and hashes the host's KVM CPUID once, for any number of captures.
    func capturer() throws -> Capturer {
        guard let bytes = Quantities.byteSize(memory) else { throw EnvironmentFailure("--memory '\(memory)' is not a size") }
        let paths = DriverFactory.Paths(swiftvm: swiftvm ?? DriverFactory.defaultSwiftVM, qemu: qemu, qemuMachine: .pc,
                                        libvirtURI: libvirt.uri, libvirtMachine: libvirt.machine)
        let vmm = DriverFactory.make(driver, paths: paths)
        let info: DriverInfo
        do { info = try vmm.probe() } catch { throw EnvironmentFailure("\(error)") }
        return Capturer(driver: vmm, info: info, kernels: kernels, cpus: cpus, memoryBytes: bytes,
                        kvmSupportedCPUIDHash: driver == .swiftvm ? HostCPUIDContext.hash(swiftvm: paths.swiftvm) : nil)
    }

    /// A probed driver, ready to capture one fingerprint per machine type.
    struct Capturer {
        let driver: any Driver
        let info: DriverInfo
        let kernels: String
        let cpus: Int
        let memoryBytes: UInt64
        let kvmSupportedCPUIDHash: String?

        func capture(machine: String?, disk: DiskSpec? = nil) throws -> ABICapture.Captured {
            if let failure = DriverPreflight.check(driver, machine: machine, defaultName: info.details["machine"]) {
                exitForEnvironment("\(failure)")
            }
            do {
                return try ABICapture(machine: machine, cpus: cpus, memoryBytes: memoryBytes, disk: disk)
                    .capture(driver: driver, info: info, kernelDirectory: kernels, kvmSupportedCPUIDHash: kvmSupportedCPUIDHash)
            } catch {
                throw EnvironmentFailure("\(error)")
            }
        }
    }
}
