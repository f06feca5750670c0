import ArgumentParser
import Foundation
import TCK

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Show the suite catalog (after --filter/--group).",
        discussion: "A selection that matches no test is an error (exit 2), as for `tck run`.")

    @OptionGroup var suite: SuiteOptions

    @Flag(help: "Print the selected tests as JSON: name, kernel, groups, description, machine type, size and the expectation on each driver.")
    var json = false

    func run() throws {
        let entries: [CatalogEntry]
        do { entries = try suite.selectedEntries(knownDrivers: DriverFactory.knownDrivers) } catch {
            exitForEnvironment("\(error)")
        }
        if json {
            print(String(decoding: try ListJSON.encode(entries, catalog: suite.catalog), as: UTF8.self))
            return
        }
        let width = max(4, entries.map(\.name.count).max() ?? 0)
        func pad(_ text: String, _ count: Int) -> String { text + String(repeating: " ", count: max(0, count - text.count)) }
        print(pad("TEST", width) + "  " + pad("KERNEL", 12) + "  CPUS  MEMORY  TIMEOUT  GROUPS / EXPECTATIONS")
        for entry in entries {
            var notes = entry.groups.joined(separator: " ")
            if let disk = entry.disk {
                notes += "  disk \(disk.sizeBytes >> 10)K \(disk.content.rawValue)" + (disk.format == .qcow2 ? " qcow2" : "")
                    + (disk.backing ? " backing" : "") + (disk.compressed ? " compressed" : "") + (disk.readOnly ? " readonly" : "")
            }
            if entry.migrate { notes += "  migrate" }
            if entry.defaultExpectation.outcome != .pass { notes += "  expect \(entry.defaultExpectation.outcome.rawValue)" }
            for (driver, expectation) in entry.expectations.sorted(by: { $0.key < $1.key }) {
                notes += "  \(driver): \(expectation.outcome.rawValue)"
            }
            let memory = "\(entry.memoryBytes >> 20)M"
            let timeout = String(format: "%gs", entry.timeoutSeconds)
            print(pad(entry.name, width) + "  " + pad(entry.kernel, 12) + "  " + pad("\(entry.cpus)", 4) + "  "
                  + pad(memory, 6) + "  " + pad(timeout, 7) + "  " + notes)
        }
        print(counted(entries.count, "test"))
    }
}

/// `tck list --json`: `{"catalog": path, "tests": [{name, kernel, groups, description, cpus, memoryBytes,
/// timeoutSeconds, commandLine, machines: {driver: machine type}, expectations: {driver: {outcome, reason?,
/// link?}}, disk?: {sizeBytes, content, readOnly, format, backing, compressed}, migrate}]}`. Every driver tck knows gets an expectation (the
/// catalog default where it names none) and, when the catalog sets one, a machine type; keys are sorted.
enum ListJSON {
    struct Document: Encodable {
        var catalog: String
        var tests: [Test]
    }

    struct Test: Encodable {
        var name: String
        var kernel: String
        var groups: [String]
        var description: String
        var machines: [String: String]
        var cpus: Int
        var memoryBytes: UInt64
        var timeoutSeconds: Double
        var commandLine: String
        var expectations: [String: Expectation]
        /// The disk tck makes for the test (absent: none).
        var disk: DiskSpec?
        /// The runner saves and restores the VM when the guest asks (catalog `migrate = yes`).
        var migrate: Bool
    }

    static func encode(_ entries: [CatalogEntry], catalog: String) throws -> Data {
        let tests = entries.map { entry in
            Test(name: entry.name, kernel: entry.kernel, groups: entry.groups, description: entry.description,
                 machines: DriverKind.allCases.reduce(into: [:]) { $0[$1.rawValue] = entry.machine(for: $1.rawValue) }, cpus: entry.cpus, memoryBytes: entry.memoryBytes,
                 timeoutSeconds: entry.timeoutSeconds, commandLine: entry.commandLine,
                 expectations: Dictionary(uniqueKeysWithValues: DriverKind.allCases.map { ($0.rawValue, entry.expectation(for: $0.rawValue)) }),
                 disk: entry.disk, migrate: entry.migrate)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(Document(catalog: catalog, tests: tests))
    }
}
