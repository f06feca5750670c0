import ABI
import ArgumentParser
import Foundation
import Reports
import TCK

extension ABICommand {
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
