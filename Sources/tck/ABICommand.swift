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

    /// Builds and probes the driver and hashes the host's KVM CPUID once, for any number of captures.
    func capturer() throws -> Capturer {
        guard let bytes = Quantities.byteSize(memory) else { throw EnvironmentFailure("--memory '\(memory)' is not a size") }
        let paths = DriverFactory.Paths(swiftvm: swiftvm ?? DriverFactory.defaultSwiftVM, qemu: qemu, qemuMachine: .pc)
        let vmm = DriverFactory.make(driver, paths: paths)
        let info: DriverInfo
        do { info = try vmm.probe() } catch { throw EnvironmentFailure("\(error)") }
        return Capturer(driver: vmm, info: info, kernels: kernels, cpus: cpus, memoryBytes: bytes,
                        kvmSupportedCPUIDHash: driver == .swiftvm ? KVMCPUIDHash.of(swiftvm: paths.swiftvm) : nil)
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

        @Option(help: ArgumentHelp("Attach a virtio-blk disk, in the catalog's words (e.g. \"1M zero\"), so a driver whose "
                                   + "drive needs an image (QEMU) shows its virtio-blk function.", valueName: "spec"))
        var disk: String?

        func validate() throws {
            if let disk, case let .failure(error) = DiskSpec.parse(disk) { throw ValidationError("--disk: \(error)") }
        }

        func run() throws {
            let captured: ABICapture.Captured
            let spec = try disk.map { try DiskSpec.parse($0).get() }
            do { captured = try options.capturer().capture(machine: machine, disk: spec) } catch { exitForEnvironment("\(error)") }
            try AtomicFile.write(FingerprintFile.encode(captured.fingerprint), to: output)
            if let tablesDir { _ = try ABICapture.writeTables(of: captured.fingerprint, to: tablesDir) }
            let abi = captured.fingerprint.abi
            let summary = "tck: \(output): \(captured.fingerprint.hash); cpuid \(counted(abi.cpuid.count, "leaf", "leaves")), "
                + "acpi \(counted(abi.acpi.count, "table")), pci \(counted(abi.pci.count, "function")), "
                + "memory map \(counted(abi.memoryMap.count, "range")), msr \(abi.msr.count), masked: "
                + (captured.fingerprint.masked.isEmpty ? "none" : captured.fingerprint.masked.joined(separator: ", "))
            FileHandle.standardError.write(Data((summary + "\n").utf8))
            for problem in captured.problems { FileHandle.standardError.write(Data("tck: warning: \(problem)\n".utf8)) }
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Explain the difference between two fingerprints (releases, machine types or drivers).",
            discussion: """
                Exit status: 0 identical ABI (or, with --waivers, every difference waived), 1 different, 2 bad input.
                Waivers apply when their machine matches the newer fingerprint's machine type.
                """)

        @Argument(help: ArgumentHelp("The older (or reference) fingerprint.", valueName: "old.json"))
        var old: String

        @Argument(help: ArgumentHelp("The newer fingerprint.", valueName: "new.json"))
        var new: String

        @Option(help: ArgumentHelp("Also write the diff as JSON.", valueName: "path"))
        var json: String?

        @Option(help: ArgumentHelp("Also write the diff as a self-contained HTML page.", valueName: "path"))
        var html: String?

        @Option(help: ArgumentHelp("Also write JUnit XML: one testcase per ABI area, failing on unwaived breaking changes.", valueName: "path"))
        var junit: String?

        @Option(help: ArgumentHelp("Mark the differences this waiver file accepts (docs/abi-fingerprint.md#waivers).", valueName: "file"))
        var waivers: String?

        func run() throws {
            var result: ABIDiffResult
            let newer: Fingerprint
            do {
                newer = try FingerprintFile.read(new)
                result = ABIDiff.compare(try FingerprintFile.read(old), newer, oldName: old, newName: new)
                if let waivers { ABIWaivers.apply(try ABIWaivers.load(path: waivers), to: &result, machine: newer.machine) }
            } catch {
                exitForEnvironment("\(error)")
            }
            print(result.text)
            var files: [(data: Data, path: String)] = []
            if let json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                files.append((try encoder.encode(result), json))
            }
            if let html { files.append((Data(ABIDiffHTML.render(result).utf8), html)) }
            if let junit { files.append((Data(ABIDiffJUnit.render(result, gate: .breaking).utf8), junit)) }
            if !files.isEmpty { try AtomicFile.write(files) }
            let accepted = waivers == nil ? result.isIdentical : result.unwaived.isEmpty
            throw ExitCode(accepted ? 0 : 1)
        }
    }

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the machine-type matrix page: what changed from each machine type to the next, every item linked to its detail.",
            discussion: "Machine types are the baselines' <machine>.json files, in version order (swiftvm-1.0, swiftvm-1.1, …, swiftvm-1.10).")

        @Option(help: ArgumentHelp("Directory of baselines, one <machine>.json each.", valueName: "dir"))
        var baselines = "Reports/abi"

        @Option(name: .shortAndLong, help: ArgumentHelp("Where the page goes.", valueName: "path"))
        var output = "Reports/abi/index.html"

        @Option(help: ArgumentHelp("Also compare the newest machine type with this fingerprint (e.g. a QEMU pc-i440fx-7.2 capture).", valueName: "path.json"))
        var against: String?

        @Option(help: ArgumentHelp("Waiver file (default: <baselines>/waivers.cfg when present).", valueName: "file"))
        var waivers: String?

        @Option(help: ArgumentHelp("The release named in the page title.", valueName: "text"))
        var release = "swiftvm"

        func run() throws {
            let machines: [ABIReportPage.Machine]
            var transitions: [ABIReportPage.Comparison] = []
            var against: ABIReportPage.Comparison?
            do {
                let waiverList = try ABIWaiverFile.load(explicit: waivers, baselines: baselines)
                machines = try ABIBaselines.list(baselines)
                guard !machines.isEmpty else { exitForEnvironment("no <machine>.json baselines in \(baselines)") }
                for (previous, next) in zip(machines, machines.dropFirst()) {
                    var result = ABIDiff.compare(previous.fingerprint, next.fingerprint, oldName: previous.name, newName: next.name)
                    ABIWaivers.apply(waiverList, to: &result, machine: next.name)
                    result.unusedWaivers = []  // waivers are for baseline-vs-capture; between machine types they are informational
                    transitions.append(ABIReportPage.Comparison(from: previous.name, to: next.name, result: result))
                }
                if let path = self.against, let newest = machines.last {
                    let other = try FingerprintFile.read(path)
                    let result = ABIDiff.compare(newest.fingerprint, other, oldName: newest.name, newName: other.machine)
                    against = ABIReportPage.Comparison(from: newest.name, to: "\(other.machine) (\(other.context.driver))", result: result)
                }
            } catch {
                exitForEnvironment("\(error)")
            }
            try AtomicFile.write(ABIReportPage.render(machines: machines, transitions: transitions, against: against, release: release), to: output)
            for transition in transitions {
                print("\(transition.from) → \(transition.to): \(counted(transition.result.changes.count, "change")), \(transition.result.breaking.count) breaking")
            }
            if let against {
                print("\(against.from) → \(against.to): \(counted(against.result.changes.count, "change")), \(against.result.breaking.count) breaking")
            }
            print("tck abi report: \(output)")
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

        @Option(help: ArgumentHelp("Waiver file of accepted differences (default: <baselines>/waivers.cfg when present).", valueName: "file"))
        var waivers: String?

        @Option(help: ArgumentHelp("Where each machine type's comparison goes as <machine>.html and <machine>.junit.xml (plus junit.xml for all).", valueName: "dir"))
        var reportDir = "Reports/abi/latest"

        func run() throws {
            let swiftvm = options.swiftvm ?? DriverFactory.defaultSwiftVM
            let machines = SwiftVMMachines.list(swiftvm: swiftvm)
            guard !machines.isEmpty else { exitForEnvironment("could not list machine types with \(swiftvm) machines") }
            let capturer: CaptureOptions.Capturer
            do { capturer = try options.capturer() } catch { exitForEnvironment("\(error)") }
            let waiverList: [ABIWaiver]
            do { waiverList = try ABIWaiverFile.load(explicit: waivers, baselines: baselines) } catch { exitForEnvironment("\(error)") }
            var changed = 0
            var stale = 0
            var reports: [(name: String, result: ABIDiffResult)] = []
            for machine in machines {
                let captured: ABICapture.Captured
                do { captured = try capturer.capture(machine: machine) } catch { exitForEnvironment("\(machine): \(error)") }
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
                // A capture the guest could not vouch for (a failed probe case, a register KVM did not
                // honour) fails the gate: it says nothing reliable about the machine type.
                if !captured.problems.isEmpty {
                    print("\(machine): the capture has problems, so it cannot be compared:")
                    for problem in captured.problems { print("  \(problem)") }
                    changed += 1
                    continue
                }
                let baseline: Fingerprint
                do { baseline = try FingerprintFile.read(path) } catch { exitForEnvironment("\(error)") }
                var result = ABIDiff.compare(baseline, captured.fingerprint, oldName: "\(machine) baseline", newName: "\(machine) now")
                ABIWaivers.apply(waiverList, to: &result, machine: machine)
                if result.isIdentical && result.unusedWaivers.isEmpty {
                    // Identical is said with what was not compared: masked items are counted and named, never silent.
                    print("\(machine): identical to its baseline (\(baseline.hash))" + (result.masked.isEmpty ? "" : "\n" + result.maskedText.joined(separator: "\n")))
                } else if result.unwaived.isEmpty && result.unusedWaivers.isEmpty {
                    print("\(machine): matches its baseline except for waived differences\n" + result.text)
                } else {
                    print(result.text)
                }
                if !result.unwaived.isEmpty { changed += 1 } else if !result.unusedWaivers.isEmpty { stale += 1 }
                reports.append((machine, result))
            }
            if !update {
                var files: [(data: Data, path: String)] = reports.flatMap { name, result in [
                    (Data(ABIDiffHTML.render(result, title: "ABI check: \(name) baseline → now").utf8), "\(reportDir)/\(name).html"),
                    (Data(ABIDiffJUnit.render(result, gate: .anyChange, name: name).utf8), "\(reportDir)/\(name).junit.xml"),
                ] }
                files.append((Data(ABIDiffJUnit.render(reports, gate: .anyChange).utf8), "\(reportDir)/junit.xml"))
                do {
                    try FileManager.default.createDirectory(atPath: reportDir, withIntermediateDirectories: true)
                    try AtomicFile.write(files)
                } catch {
                    FileHandle.standardError.write(Data("tck: warning: could not write the ABI reports to \(reportDir): \(error)\n".utf8))
                }
                let failed = changed + stale
                let maskedCount = reports.reduce(0) { $0 + $1.result.masked.count }
                print("tck abi check: \(machines.count - failed) passed, \(failed) failed"
                      + (stale == 0 ? "" : " (\(stale) only for unused waivers)")
                      + "; \(counted(maskedCount, "item")) masked, not compared; reports in \(reportDir)")
            }
            throw ExitCode(changed + stale == 0 ? 0 : TCKExit.regression)
        }
    }
}

/// The waiver file: an explicit --waivers path must exist; otherwise <baselines>/waivers.cfg is used when present.
enum ABIWaiverFile {
    static func load(explicit: String?, baselines: String) throws -> [ABIWaiver] {
        if let explicit { return try ABIWaivers.load(path: explicit) }
        let path = "\(baselines)/waivers.cfg"
        return FileManager.default.fileExists(atPath: path) ? try ABIWaivers.load(path: path) : []
    }
}

/// The committed baselines, one <machine>.json each, in version order.
enum ABIBaselines {
    static func list(_ directory: String) throws -> [ABIReportPage.Machine] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }
        return try names.map { name in
            let path = "\(directory)/\(name)"
            return ABIReportPage.Machine(name: String(name.dropLast(5)), fingerprint: try FingerprintFile.read(path), path: path)
        }.sorted { versionOrder($0.name, $1.name) }
    }

    /// "swiftvm-1.2" before "swiftvm-1.10": digit runs compare as numbers.
    static func versionOrder(_ a: String, _ b: String) -> Bool {
        func parts(_ text: String) -> [Either] {
            var result: [Either] = []
            var current = ""
            var digits = false
            for character in text {
                if character.isASCII && character.isNumber != digits && !current.isEmpty {
                    result.append(digits ? .number(Int(current) ?? 0) : .text(current))
                    current = ""
                }
                digits = character.isASCII && character.isNumber
                current.append(character)
            }
            if !current.isEmpty { result.append(digits ? .number(Int(current) ?? 0) : .text(current)) }
            return result
        }
        let x = parts(a), y = parts(b)
        for (p, q) in zip(x, y) where p != q {
            switch (p, q) {
            case let (.number(m), .number(n)): return m < n
            case let (.text(s), .text(t)): return s < t
            case (.number, .text): return true
            case (.text, .number): return false
            }
        }
        return x.count < y.count
    }

    enum Either: Equatable { case number(Int), text(String) }
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
