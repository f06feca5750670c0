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
            let merged: RunReport
            do { merged = try ReportMerge.merge(try inputs.map { try ReportCoding.read(path: $0) }) } catch {
                exitForEnvironment("\(error)")
            }
            try writeAndExit(merged, to: output)
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
            let merged: RunReport
            do {
                let reports = try inputs.map { try ReportCoding.read(path: $0) }
                merged = try ReportMerge.merge(Self.relabelled(reports, names: inputs))
            } catch {
                exitForEnvironment("\(error)")
            }
            try writeAndExit(merged, to: output)
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

private func writeAndExit(_ report: RunReport, to directory: String) throws -> Never {
    do {
        let written = try ReportDirectory.write(report, to: directory)
        FileHandle.standardError.write(Data("tck: wrote \(written.all.joined(separator: ", "))\n".utf8))
    } catch {
        exitForEnvironment("could not write reports to \(directory): \(error)")
    }
    FileHandle.standardError.write(Data((RunSummary(results: report.results, partial: report.partial).text + "\n").utf8))
    throw ExitCode(ExitCodePolicy.exitCode(for: report))
}
