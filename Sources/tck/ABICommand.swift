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
                result = ABIDiff.compare(try FingerprintFile.read(old), newer, oldName: old, newName: new,
                                         disassembler: IASLDisassembler.find())
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
                let disassembler = IASLDisassembler.find()
                guard !machines.isEmpty else { exitForEnvironment("no <machine>.json baselines in \(baselines)") }
                for (previous, next) in zip(machines, machines.dropFirst()) {
                    var result = ABIDiff.compare(previous.fingerprint, next.fingerprint, oldName: previous.name, newName: next.name,
                                                 disassembler: disassembler)
                    ABIWaivers.apply(waiverList, to: &result, machine: next.name)
                    result.unusedWaivers = []  // waivers are for baseline-vs-capture; between machine types they are informational
                    transitions.append(ABIReportPage.Comparison(from: previous.name, to: next.name, result: result))
                }
                if let path = self.against, let newest = machines.last {
                    let other = try FingerprintFile.read(path)
                    let result = ABIDiff.compare(newest.fingerprint, other, oldName: newest.name, newName: other.machine,
                                                 disassembler: disassembler)
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
            let machines = SwiftVMMachineTypes.list(swiftvm: swiftvm)
            guard !machines.isEmpty else { exitForEnvironment("could not list machine types with \(swiftvm) machines") }
            let capturer: CaptureOptions.Capturer
            do { capturer = try options.capturer() } catch { exitForEnvironment("\(error)") }
            let check: ABICheck
            do {
                check = ABICheck(baselines: baselines, waivers: try ABIWaiverFile.load(explicit: waivers, baselines: baselines),
                                 disassembler: IASLDisassembler.find())
            } catch { exitForEnvironment("\(error)") }
            var outcomes: [ABICheck.Outcome] = []
            for machine in machines {
                let captured: ABICapture.Captured
                do { captured = try capturer.capture(machine: machine) } catch { exitForEnvironment("\(machine): \(error)") }
                if update {
                    try AtomicFile.write(FingerprintFile.encode(captured.fingerprint), to: ABIBaselines.path(directory: baselines, machine: machine))
                    print("\(machine): baseline written (\(captured.fingerprint.hash))")
                    continue
                }
                let outcome: ABICheck.Outcome
                do { outcome = try check.judge(machine: machine, captured: captured.fingerprint, problems: captured.problems) } catch {
                    exitForEnvironment("\(error)")
                }
                print(Self.text(outcome))
                outcomes.append(outcome)
            }
            guard !update else { return }
            writeReports(outcomes)
            let summary = ABICheck.Summary(outcomes)
            print("tck abi check: \(summary.passed) passed, \(summary.failed) failed"
                  + (summary.failedOnlyForUnusedWaivers == 0 ? "" : " (\(summary.failedOnlyForUnusedWaivers) only for unused waivers)")
                  + "; \(counted(summary.masked, "item")) masked, not compared; reports in \(reportDir)")
            throw ExitCode(summary.failed == 0 ? 0 : TCKExit.regression)
        }

        static func text(_ outcome: ABICheck.Outcome) -> String {
            let machine = outcome.machine
            switch outcome.verdict {
            case let .noBaseline(path):
                return "\(machine): no baseline at \(path) (run `tck abi check --update` and review it)"
            case let .unreliableCapture(problems):
                return (["\(machine): the capture has problems, so it cannot be compared:"] + problems.map { "  \($0)" }).joined(separator: "\n")
            case let .compared(hash, result):
                if result.isIdentical && result.unusedWaivers.isEmpty {
                    // Identical is said with what was not compared: masked items are counted and named, never silent.
                    return "\(machine): identical to its baseline (\(hash))" + (result.masked.isEmpty ? "" : "\n" + result.maskedText.joined(separator: "\n"))
                }
                if outcome.passed { return "\(machine): matches its baseline except for waived differences\n" + result.text }
                return result.text
            }
        }

        /// <machine>.html and <machine>.junit.xml per compared machine type, plus junit.xml for all.
        func writeReports(_ outcomes: [ABICheck.Outcome]) {
            let compared = outcomes.compactMap { outcome in outcome.comparison.map { (name: outcome.machine, result: $0) } }
            var files: [(data: Data, path: String)] = compared.flatMap { name, result in [
                (Data(ABIDiffHTML.render(result, title: "ABI check: \(name) baseline → now").utf8), "\(reportDir)/\(name).html"),
                (Data(ABIDiffJUnit.render(result, gate: .anyChange, name: name).utf8), "\(reportDir)/\(name).junit.xml"),
            ] }
            files.append((Data(ABIDiffJUnit.render(compared, gate: .anyChange).utf8), "\(reportDir)/junit.xml"))
            do {
                try FileManager.default.createDirectory(atPath: reportDir, withIntermediateDirectories: true)
                try AtomicFile.write(files)
            } catch {
                FileHandle.standardError.write(Data("tck: warning: could not write the ABI reports to \(reportDir): \(error)\n".utf8))
            }
        }
    }
}

