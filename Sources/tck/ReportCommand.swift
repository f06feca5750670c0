import ArgumentParser
import Foundation
import Reports
import TCK

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Combine results.json files into one report.",
        subcommands: [Merge.self, Compare.self])

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Join the results of shards (or separate runs) into one JUnit/HTML/JSON report.")

        @Argument(help: ArgumentHelp("results.json files.", valueName: "results.json"))
        var inputs: [String]

        @Option(name: .shortAndLong, help: ArgumentHelp("Output directory.", valueName: "dir"))
        var output: String

        func run() throws {
            try mergeAndWrite(inputs, to: output) { reports in reports }
        }
    }

    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put runs side by side in one test × driver matrix (e.g. a swiftvm run and a qemu run).",
            discussion: "When the same driver appears in several inputs, each column is named driver@file.")

        @Argument(help: ArgumentHelp("results.json files.", valueName: "results.json"))
        var inputs: [String]

        @Option(name: .shortAndLong, help: ArgumentHelp("Output directory.", valueName: "dir"))
        var output: String

        func run() throws {
            try mergeAndWrite(inputs, to: output) { reports in Self.relabelled(reports, names: inputs) }
        }

        /// Renames driver columns that would collide so two runs on one driver can sit side by side.
        static func relabelled(_ reports: [RunReport], names: [String]) -> [RunReport] {
            let counts = Dictionary(reports.flatMap { $0.drivers.map(\.name) }.map { ($0, 1) }, uniquingKeysWith: +)
            return zip(reports, names).map { report, path in
                var report = report
                let label = URL(fileURLWithPath: path).deletingLastPathComponent().lastPathComponent
                func rename(_ name: String) -> String { counts[name, default: 0] > 1 ? "\(name)@\(label.isEmpty ? path : label)" : name }
                report.drivers = report.drivers.map { var info = $0; info.name = rename(info.name); return info }
                report.results = report.results.map { var result = $0; result.driver = rename(result.driver); return result }
                return report
            }
        }
    }
}

/// Reads `inputs`, merges them after `prepare`, writes the reports and exits with the gate status.
private func mergeAndWrite(_ inputs: [String], to directory: String,
                           prepare: ([RunReport]) -> [RunReport]) throws -> Never {
    let report: RunReport
    do { report = try ReportMerge.merge(prepare(try inputs.map { try ReportCoding.read(path: $0) })) } catch {
        exitForEnvironment("\(error)")
    }
    do {
        let written = try ReportDirectory.write(report, to: directory)
        FileHandle.standardError.write(Data("tck: wrote \(written.all.joined(separator: ", "))\n".utf8))
    } catch {
        exitForEnvironment("could not write reports to \(directory): \(error)")
    }
    FileHandle.standardError.write(Data((RunSummary(results: report.results, partial: report.partial).text + "\n").utf8))
    throw ExitCode(ExitCodePolicy.exitCode(for: report))
}
