import Foundation
import Testing
import TestSupport

/// `migrate = yes` end to end through `tck run`: the guest (migrate_state, three saves) is saved and
/// restored in a new VMM process each time it asks, passes, and the result carries the rounds, the
/// snapshot file (kept in the report directory) and the whole chain as its command line.
@Suite(.enabled(if: TCKProcess.kvmUsable, TCKProcess.kvmReason))
struct MigrateRunTests {
    static let catalog = """
        [migrate-state]
        kernel = migrate_state
        groups = migration
        timeout = 30s
        migrate = yes

        """

    static let kernelBuilt = FileManager.default.fileExists(atPath: TCKProcess.kernels + "/migrate_state.elf")
        && FileManager.default.fileExists(atPath: TCKProcess.kernels + "/pvh/migrate_state.elf")
    static let kernelReason: Comment = "needs TestGuests/build/migrate_state.elf (make guests)"

    /// swiftvm before save and restore (issue 13) has no --restore: its `run --help` says whether it has.
    static let swiftvmRestores: Bool = {
        guard let output = try? TestProcess.run(TCKProcess.buildDirectory + "/swiftvm", ["run", "--help"], mergingStderr: true)
        else { return false }
        return output.stdout.contains("--restore")
    }()
    static let swiftvmReason: Comment = "needs a swiftvm with --snapshot/--restore (issue 13)"

    @Test(.enabled(if: TCKProcess.qemuInstalled, TCKProcess.qemuReason), .enabled(if: kernelBuilt, kernelReason))
    func migrateStatePassesOnQEMUThroughQMP() throws {
        try check(driver: "qemu", tags: [1, 2, 3])
    }

    @Test(.enabled(if: kernelBuilt, kernelReason), .enabled(if: swiftvmRestores, swiftvmReason))
    func migrateStatePassesOnSwiftVM() throws {
        // swiftvm keeps the tag inside the VM: the rounds have none.
        try check(driver: "swiftvm", tags: [nil, nil, nil])
    }

    private func check(driver: String, tags: [Int?]) throws {
        let scratch = try Scratch(catalog: Self.catalog)
        let output = try scratch.run("r", ["--driver", driver])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(try scratch.outcomes("r") == ["\(driver)/migrate-state": "pass"])
        let result = try #require((try scratch.results("r")["results"] as? [[String: Any]])?.first)
        let migration = try #require(result["migration"] as? [String: Any], "no migration facts in results.json")
        let rounds = migration["rounds"] as? [[String: Any]] ?? []
        #expect(rounds.map { $0["tag"] as? Int } == tags)
        #expect(rounds.allSatisfy { ($0["bytes"] as? Int ?? 0) > 0 && $0["restored"] as? Bool == true }, "\(rounds)")
        let snapshot = scratch.reports("r") + "/snapshots/\(driver)/migrate-state.snap"
        #expect(migration["snapshotPath"] as? String == snapshot)
        #expect(FileManager.default.fileExists(atPath: snapshot), "the last snapshot is kept")
        // One process per save plus the first, in order, as one sh -c line.
        let commandLine = result["commandLine"] as? [String] ?? []
        #expect(commandLine.prefix(2) == ["sh", "-c"])
        let processes = commandLine.last?.components(separatedBy: "; ") ?? []
        #expect(processes.count == 4, "\(commandLine)")
        #expect(processes.dropFirst().allSatisfy { $0.contains(driver == "qemu" ? "-incoming" : "--restore") })
        // The console of every process, joined: the kernel's one report spans them.
        let console = try String(contentsOfFile: scratch.reports("r") + "/logs/\(driver)/migrate-state.console.log", encoding: .utf8)
        #expect(console.components(separatedBy: "TCK:1 BEGIN").count == 2)
        #expect(console.contains("TCK:1 CASE PASS migrate.generations :: 1 2 3"))
        let html = try String(contentsOfFile: scratch.reports("r") + "/report.html", encoding: .utf8)
        #expect(html.contains("3 saves, 3 restores"))
    }
}
