import ArgumentParser
import Foundation
import TCK

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Show the suite catalog (after --filter/--group).")

    @OptionGroup var suite: SuiteOptions

    func run() throws {
        let entries: [CatalogEntry]
        do { entries = try suite.selectedEntries(knownDrivers: DriverFactory.knownDrivers) } catch {
            exitForEnvironment("\(error)")
        }
        let width = max(4, entries.map(\.name.count).max() ?? 0)
        func pad(_ text: String, _ count: Int) -> String { text + String(repeating: " ", count: max(0, count - text.count)) }
        print(pad("TEST", width) + "  " + pad("KERNEL", 12) + "  CPUS  MEMORY  TIMEOUT  GROUPS / EXPECTATIONS")
        for entry in entries {
            var notes = entry.groups.joined(separator: " ")
            if entry.defaultExpectation.outcome != .pass { notes += "  expect \(entry.defaultExpectation.outcome.rawValue)" }
            for (driver, expectation) in entry.expectations.sorted(by: { $0.key < $1.key }) {
                notes += "  \(driver): \(expectation.outcome.rawValue)"
            }
            let memory = "\(entry.memoryBytes >> 20)M"
            let timeout = String(format: "%gs", entry.timeoutSeconds)
            print(pad(entry.name, width) + "  " + pad(entry.kernel, 12) + "  " + pad("\(entry.cpus)", 4) + "  "
                  + pad(memory, 6) + "  " + pad(timeout, 7) + "  " + notes)
        }
        print("\(entries.count) test\(entries.count == 1 ? "" : "s")")
    }
}
