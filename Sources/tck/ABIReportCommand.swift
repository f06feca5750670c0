import ABI
import ArgumentParser
import Foundation
import Reports
import TCK

extension ABICommand {
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
}
