import ArgumentParser
import Dispatch
import Foundation
import Reports
import TCK

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Boot the selected tests on each driver and write JUnit XML, HTML and JSON reports.")

    @OptionGroup var suite: SuiteOptions

    @Option(name: .customLong("driver"), help: ArgumentHelp("A VMM to run on (repeatable; default swiftvm).", valueName: "name"))
    var drivers: [DriverKind] = []

    @Option(help: ArgumentHelp("Where junit.xml, report.html and results.json go (checked for writing before the first test).", valueName: "dir"))
    var reportDir = "Reports/latest"

    @Option(help: "How many kernels to run at once.")
    var jobs = 1

    @Option(help: ArgumentHelp("Run only slice I of N (1-based), chosen by test name: the same on every machine.", valueName: "I/N"))
    var shard: String?

    @Option(help: ArgumentHelp("An earlier results.json: report new failures, fixes, new and removed tests.", valueName: "path"))
    var baseline: String?

    @Flag(help: "Also stream the results as TAP version 13 on stdout as they finish (progress stays on stderr).")
    var tap = false

    @Option(help: ArgumentHelp("The swiftvm binary (default: the one built beside tck).", valueName: "path"))
    var swiftvm: String?

    @Option(help: ArgumentHelp("The QEMU binary.", valueName: "path"))
    var qemu = "qemu-system-x86_64"

    @Option(help: ArgumentHelp("QEMU machine: microvm (PVH) or pc (Multiboot, qboot).", valueName: "kind"))
    var qemuMachine: QEMUDriver.MachineKind = .microvm

    @OptionGroup var libvirt: LibvirtOptions

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        if let shard {
            do { _ = try Shard.parse(shard) } catch { throw ValidationError("--shard: \(error)") }
        }
    }

    func run() throws {
        let startedAt = Date()
        let paths = DriverFactory.Paths(swiftvm: swiftvm ?? DriverFactory.defaultSwiftVM, qemu: qemu,
                                        qemuMachine: qemuMachine, libvirtURI: libvirt.uri, libvirtMachine: libvirt.machine,
                                        libvirtDomainDirectory: reportDir + "/logs/libvirt")
        let selectedDrivers: [any Driver]
        let driverInfos: [DriverInfo]
        let entries: [CatalogEntry]
        let previous: RunReport?
        do {
            // The cheap checks of the inputs first, then the drivers; all before the first test runs.
            entries = try suite.selectedEntries(knownDrivers: DriverFactory.knownDrivers, shard: shard.map { try Shard.parse($0) })
            previous = try baseline.map { path in
                do { return try ReportCoding.read(path: path) } catch { throw EnvironmentFailure("--baseline \(path): \(error)") }
            }
            try WritableDirectory.check(reportDir)
            selectedDrivers = (drivers.isEmpty ? [.swiftvm] : drivers).map { DriverFactory.make($0, paths: paths) }
            driverInfos = try selectedDrivers.map { (driver) throws(EnvironmentFailure) in
                do { return try driver.probe() } catch { throw EnvironmentFailure("\(error)") }
            }
        } catch {
            exitForEnvironment("\(error)")
        }
        let preflight = DriverPreflight.check(Array(zip(selectedDrivers, driverInfos)), entries: entries)
        guard preflight.isEmpty else { exitForEnvironment(preflight.map(\.description).joined(separator: "\ntck: ")) }

        // The last run into this directory (else the baseline) says which tests take longest: they start first.
        let lastRun = (try? ReportCoding.read(path: reportDir + "/results.json", restoringLogs: false)) ?? previous
        let runner = SuiteRunner(entries: entries, drivers: selectedDrivers, parallelism: jobs, kernelDirectory: suite.kernels,
                                 diskDirectory: reportDir + "/disks", snapshotDirectory: reportDir + "/snapshots",
                                 history: StartOrder.history(lastRun))
        let interrupts = InterruptHandler { runner.cancel() }
        if tap { FileHandle.standardOutput.write(Data(TAPStream.header(planned: runner.jobCount).utf8)) }
        let tapLine: (@Sendable (TestResult, Int) -> String)? = tap ? { @Sendable result, number in TAPStream.entry(result, number: number) } : nil
        let display = ProgressDisplay(total: runner.jobCount, resultLine: tapLine)
        let results = runner.run { display.handle($0) }
        display.finish()
        if tap && runner.isCancelled {
            FileHandle.standardOutput.write(Data(TAPStream.bailOut(finished: results.count, planned: runner.jobCount).utf8))
        }
        interrupts.restore()

        let report = RunReport(tool: "tck \(TCKVersion.string)", startedAt: startedAt.ISO8601Format(), finishedAt: Date().ISO8601Format(),
                               partial: runner.isCancelled, shard: shard, drivers: driverInfos, host: HostProbe.current(),
                               results: results,
                               identity: RunIdentity.current(catalogPath: suite.catalog, selection: RunSelection(
                                   filters: suite.filters, groups: suite.groups, drivers: driverInfos.map(\.name), jobs: jobs,
                                   shard: shard, tests: entries.map(\.name)), drivers: driverInfos))
        var writeFailed = false
        do {
            let written = try ReportDirectory.write(report, to: reportDir)
            FileHandle.standardError.write(Data("tck: wrote \(written.all.joined(separator: ", "))\n".utf8))
        } catch {
            writeFailed = true
            FileHandle.standardError.write(Data("tck: could not write reports to \(reportDir): \(error)\n".utf8))
        }
        if let previous {
            let comparison = Baseline.compare(previous: previous, current: report)
            FileHandle.standardError.write(Data((comparison.text + "\n").utf8))
            try? AtomicFile.write(comparison.text + "\n", to: reportDir + "/baseline.txt")
        }
        FileHandle.standardError.write(Data((RunSummary(results: results, partial: report.partial).text + "\n").utf8))
        if report.partial { throw ExitCode(TCKExit.interrupted) }
        if writeFailed { throw ExitCode(TCKExit.environment) }
        throw ExitCode(ExitCodePolicy.exitCode(for: report))
    }
}

/// The closing lines of a run: counts per outcome, and the plain "N passed, N failed" line CI reads.
struct RunSummary {
    let results: [TestResult]
    let partial: Bool

    var text: String {
        let counts = Dictionary(grouping: results, by: \.outcome).mapValues(\.count)
        let breakdown = Outcome.allCases.sorted().reversed().compactMap { outcome in
            counts[outcome].map { "\($0) \(outcome.rawValue)" }
        }.joined(separator: ", ")
        let unexpected = results.filter { !$0.expected }
        var lines = ["tck: \(counted(results.count, "result"))\(partial ? " (partial: interrupted)" : ""): \(breakdown)"]
        for result in unexpected { lines.append("tck: UNEXPECTED \(result.outcome.rawValue) \(result.key): \(result.reason)") }
        lines.append("tck: \(results.count - unexpected.count) passed, \(unexpected.count) failed")
        return lines.joined(separator: "\n")
    }
}

/// Ctrl-C (and SIGTERM) cancel the run instead of killing tck, so the partial report is still written.
final class InterruptHandler {
    private let sources: [any DispatchSourceSignal]

    init(onInterrupt: @escaping @Sendable () -> Void) {
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                FileHandle.standardError.write(Data("\ntck: interrupted; stopping the running VMMs and writing a partial report\n".utf8))
                onInterrupt()
            }
            source.resume()
            return source
        }
    }

    func restore() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
