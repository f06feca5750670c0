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
        subcommands: [Dump.self, Diff.self, Check.self])
}

/// Which VMM to capture on, and how to reach it.
struct CaptureOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The VMM: swiftvm or qemu.", valueName: "name"))
    var driver = "swiftvm"

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

    func capture(machine: String?) throws -> ABICapture.Captured {
        guard let bytes = Quantities.byteSize(memory) else { throw EnvironmentFailure("--memory '\(memory)' is not a size") }
        let paths = DriverFactory.Paths(swiftvm: swiftvm ?? DriverFactory.defaultSwiftVM, qemu: qemu, qemuMachine: .pc)
        let vmm = try DriverFactory.make(driver, paths: paths)
        let info: DriverInfo
        do { info = try vmm.probe() } catch { throw EnvironmentFailure("\(error)") }
        let capture = ABICapture(machine: machine, cpus: cpus, memoryBytes: bytes)
        do {
            return try capture.capture(driver: vmm, info: info, kernelDirectory: kernels,
                                       kvmSupportedCPUIDHash: driver == "swiftvm" ? KVMCPUIDHash.of(swiftvm: paths.swiftvm) : nil)
        } catch {
            throw EnvironmentFailure("\(error)")
        }
    }
}

extension ABICommand {
    struct Dump: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Boot the ABI-probe kernel and write the fingerprint of everything the guest can see.")

        @OptionGroup var options: CaptureOptions

        @Option(help: ArgumentHelp("Machine type (swiftvm: see `swiftvm machines`; qemu: -M, e.g. pc-i440fx-7.2).", valueName: "name"))
        var machine: String?

        @Option(name: .shortAndLong, help: ArgumentHelp("Where the fingerprint JSON goes.", valueName: "path"))
        var output: String

        @Option(help: ArgumentHelp("Also write each ACPI table as SIG.dat (acpidump -b style, for iasl -d).", valueName: "dir"))
        var tablesDir: String?

        func run() throws {
            let captured: ABICapture.Captured
            do { captured = try options.capture(machine: machine) } catch { exitForEnvironment("\(error)") }
            try AtomicFile.write(FingerprintFile.encode(captured.fingerprint), to: output)
            if let tablesDir { _ = try ABICapture.writeTables(of: captured.fingerprint, to: tablesDir) }
            let abi = captured.fingerprint.abi
            let summary = "tck: \(output): \(captured.fingerprint.hash); cpuid \(abi.cpuid.count) leaves, acpi \(abi.acpi.count) tables, "
                + "pci \(abi.pci.count) functions, memory map \(abi.memoryMap.count) ranges, msr \(abi.msr.count), masked: "
                + (captured.fingerprint.masked.isEmpty ? "none" : captured.fingerprint.masked.joined(separator: ", "))
            FileHandle.standardError.write(Data((summary + "\n").utf8))
            for problem in captured.problems { FileHandle.standardError.write(Data("tck: warning: \(problem)\n".utf8)) }
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Explain the difference between two fingerprints (releases, machine types or drivers).",
            discussion: "Exit status: 0 identical ABI, 1 different, 2 bad input.")

        @Argument(help: ArgumentHelp("The older (or reference) fingerprint.", valueName: "old.json"))
        var old: String

        @Argument(help: ArgumentHelp("The newer fingerprint.", valueName: "new.json"))
        var new: String

        @Option(help: ArgumentHelp("Also write the diff as JSON.", valueName: "path"))
        var json: String?

        func run() throws {
            let result: ABIDiffResult
            do {
                result = ABIDiff.compare(try FingerprintFile.read(old), try FingerprintFile.read(new), oldName: old, newName: new)
            } catch {
                exitForEnvironment("\(error)")
            }
            print(result.text)
            if let json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                try AtomicFile.write(try encoder.encode(result), to: json)
            }
            throw ExitCode(result.isIdentical ? 0 : 1)
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-capture every machine type and compare with the committed baselines: the ABI CI gate.",
            discussion: "Exit status: 0 every machine type matches its baseline, 1 something guest-visible changed, 2 bad environment.")

        @OptionGroup var options: CaptureOptions

        @Option(help: ArgumentHelp("Directory of baselines, one <machine>.json each.", valueName: "dir"))
        var baselines = "Reports/abi"

        @Flag(help: "Write the captured fingerprints as the new baselines instead of comparing.")
        var update = false

        func run() throws {
            let swiftvm = options.swiftvm ?? DriverFactory.defaultSwiftVM
            let machines = SwiftVMMachines.list(swiftvm: swiftvm)
            guard !machines.isEmpty else { exitForEnvironment("could not list machine types with \(swiftvm) machines") }
            var changed = 0
            for machine in machines {
                let captured: ABICapture.Captured
                do { captured = try options.capture(machine: machine) } catch { exitForEnvironment("\(machine): \(error)") }
                let path = "\(baselines)/\(machine).json"
                if update {
                    try AtomicFile.write(FingerprintFile.encode(captured.fingerprint), to: path)
                    print("\(machine): baseline written (\(captured.fingerprint.hash))")
                    continue
                }
                guard FileManager.default.fileExists(atPath: path) else {
                    print("\(machine): no baseline at \(path) (run `tck abi check --update` and review it)")
                    changed += 1
                    continue
                }
                let baseline: Fingerprint
                do { baseline = try FingerprintFile.read(path) } catch { exitForEnvironment("\(error)") }
                let result = ABIDiff.compare(baseline, captured.fingerprint, oldName: "\(machine) baseline", newName: "\(machine) now")
                print(result.isIdentical ? "\(machine): identical to its baseline (\(baseline.hash))" : result.text)
                if !result.isIdentical { changed += 1 }
            }
            if !update { print("tck abi check: \(machines.count - changed) passed, \(changed) failed") }
            throw ExitCode(changed == 0 ? 0 : TCKExit.regression)
        }
    }
}

/// swiftvm's machine types, from `swiftvm machines`.
enum SwiftVMMachines {
    static func list(swiftvm: String) -> [String] {
        let result = ChildProcess(executable: swiftvm, arguments: ["machines"], timeoutSeconds: 10).run()
        return String(decoding: result.stdout, as: UTF8.self).split(separator: "\n")
            .compactMap { $0.split(separator: " ").first.map(String.init) }
    }
}

/// A hash of the host's KVM_GET_SUPPORTED_CPUID (from `swiftvm host`): recorded in fingerprint contexts so
/// a diff can tell "the host's KVM changed" from "swiftvm changed".
enum KVMCPUIDHash {
    static func of(swiftvm: String) -> String? {
        let result = ChildProcess(executable: swiftvm, arguments: ["host"], timeoutSeconds: 10).run()
        guard case .exited(0) = result.ending else { return nil }
        let lines = String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("CPUID.") }
        return "sha256:" + SHA256.hex(Array(lines.map(withoutAPICID).joined(separator: "\n").utf8))
    }

    /// KVM reports the APIC id of the host CPU the ioctl ran on (leaf 1 EBX[31:24], leaves 0xB/0x1F EDX);
    /// that says nothing about what KVM supports, so it is zeroed before hashing.
    static func withoutAPICID(_ line: Substring) -> String {
        var text = String(line)
        if text.hasPrefix("CPUID.00000001.0:"), let range = text.range(of: "ebx=") {
            text.replaceSubrange(range.upperBound..<text.index(range.upperBound, offsetBy: 2), with: "00")
        }
        if text.hasPrefix("CPUID.0000000b.") || text.hasPrefix("CPUID.0000001f."), let range = text.range(of: "edx=") {
            text.replaceSubrange(range.upperBound..<text.index(range.upperBound, offsetBy: 8), with: "00000000")
        }
        return text
    }
}
