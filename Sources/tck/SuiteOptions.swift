import ArgumentParser
import Foundation
import TCK

/// Where the suite is and which part of it to run: shared by `run` and `list`.
struct SuiteOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The suite catalog.", valueName: "path"))
    var catalog = "TestGuests/suite.cfg"

    @Option(help: ArgumentHelp("Where the kernels are: <dir>/<kernel>.elf (and <dir>/pvh/ for QEMU microvm).", valueName: "dir"))
    var kernels = "TestGuests/build"

    @Option(name: .customLong("filter"), help: ArgumentHelp(
        "Only tests whose name matches this shell glob, fnmatch(3): *, ?, [mp], [!0-9] (repeatable).", valueName: "glob"))
    var filters: [String] = []

    @Option(name: .customLong("group"), help: ArgumentHelp("Only tests in this group (repeatable).", valueName: "group"))
    var groups: [String] = []

    /// The selected catalog entries (never none), or a one-line reason to exit with status 2. `tck run`
    /// and `tck list` share it, so they select, and refuse an empty selection, alike.
    func selectedEntries(knownDrivers: Set<String>, shard: Shard? = nil) throws(EnvironmentFailure) -> [CatalogEntry] {
        let entries: [CatalogEntry]
        do {
            entries = try Catalog.load(path: catalog, kernelDirectory: kernels, knownDrivers: knownDrivers)
        } catch {
            throw EnvironmentFailure("\(error)")
        }
        let selection = Selection(filters: filters, groups: groups, shard: shard)
        let selected = selection.apply(to: entries)
        guard !selected.isEmpty else { throw EnvironmentFailure(selection.emptyReason(catalog: catalog, entries: entries)) }
        return selected
    }
}

/// A failure of the environment or the inputs, not of the VMM: reported in one line, exit status 2.
struct EnvironmentFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func exitForEnvironment(_ message: String) -> Never {
    FileHandle.standardError.write(Data("tck: \(message)\n".utf8))
    exit(TCKExit.environment)
}
