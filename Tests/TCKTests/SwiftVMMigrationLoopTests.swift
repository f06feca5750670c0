import Foundation
import Testing
@testable import TCK

/// The swiftvm driver's save → restore loop, driven with real child processes: a shell script that
/// answers as swiftvm's command line is documented to (status 122 after "saving" to `--snapshot`,
/// `--restore` reading it back) and prints console and data bytes. It tests the loop, not a VMM: what
/// swiftvm itself saves and restores is tested with the real binary (the migration group, SwiftVMCLITests).
@Suite struct SwiftVMMigrationLoopTests {
    let entry = CatalogEntry(name: "migrate-loop", kernel: "migrate_state", groups: ["migration"], timeoutSeconds: 5, migrate: true)

    /// A script that exits 122 while its generation (kept in the snapshot file) is below `saves`, then
    /// `finalStatus`; each process prints one TCK line on stdout and one record to `--data`.
    static func loopScript(saves: Int, finalStatus: Int = 0, in directory: String) throws -> String {
        let script = directory + "/save-n-times-then-exit.sh"
        let text = """
            #!/bin/sh
            snap= restore= data=
            while [ $# -gt 0 ]; do
              case "$1" in --snapshot) snap=$2; shift;; --restore) restore=$2; shift;; --data) data=$2; shift;; esac
              shift
            done
            generation=0
            [ -n "$restore" ] && generation=$(cat "$restore")
            [ $generation = 0 ] && echo "TCK:1 BEGIN migrate-loop"
            echo "TCK:1 CASE PASS generation_$generation"
            printf 'g%s;' $generation >> "$data"
            echo "process $generation: $*" >&2
            if [ $generation -lt \(saves) ]; then
              echo $((generation + 1)) > "$snap"
              echo "swiftvm: saved to $snap (4096$generation bytes, 1$generation.5 ms)" >&2
              [ -n "$restore" ] && echo "swiftvm: restored from $restore (4096 bytes, 2$generation ms)" >&2
              exit 122
            fi
            [ -n "$restore" ] && echo "swiftvm: restored from $restore (4096 bytes, 2$generation ms)" >&2
            echo "TCK:1 END pass=$((generation + 1)) fail=0 skip=0"
            exit \(finalStatus)
            """
        try writeExecutable(script, Array(text.utf8))
        return script
    }

    /// Written through a close-on-exec descriptor: a child another test forks meanwhile must not hold the
    /// file open for writing, or exec'ing it fails with ETXTBSY.
    static func writeExecutable(_ path: String, _ bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        defer { close(fd) }
        guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else { throw CocoaError(.fileWriteUnknown) }
    }

    static func temporaryDirectory() throws -> String {
        let directory = NSTemporaryDirectory() + "tck-migrate-loop-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func restoresWhileTheStatusIsSavedAndJoinsEveryProcesssOutput() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let driver = SwiftVMDriver(executable: try Self.loopScript(saves: 2, in: directory))
        let snapshot = directory + "/migrate-loop.snap"
        let run = driver.runMigrating(entry, kernelDirectory: "/k", disk: nil, snapshot: snapshot, cancelled: { false })

        #expect(run.termination == .guestExit(code: 0))
        #expect(String(decoding: run.console, as: UTF8.self) == """
            TCK:1 BEGIN migrate-loop
            TCK:1 CASE PASS generation_0
            TCK:1 CASE PASS generation_1
            TCK:1 CASE PASS generation_2
            TCK:1 END pass=3 fail=0 skip=0

            """)
        #expect(String(decoding: run.data, as: UTF8.self) == "g0;g1;g2;")
        let migration = try #require(run.migration)
        #expect(migration.rounds == [
            MigrationRecord.Round(bytes: 40960, saveMilliseconds: 10.5, restoreMilliseconds: 21),
            MigrationRecord.Round(bytes: 40961, saveMilliseconds: 11.5, restoreMilliseconds: 22),
        ])
        #expect(migration.snapshotPath == snapshot)
        #expect(migration.summary == "2 saves, 2 restores; #1: 40 KiB, saved in 11 ms, restored in 21 ms; #2: 40 KiB, saved in 12 ms, restored in 22 ms")

        // The recorded line re-runs the whole chain: the boot with --snapshot, then two restores.
        #expect(run.commandLine.prefix(2) == ["sh", "-c"] && run.commandLine.count == 3)
        let processes = run.commandLine[2].components(separatedBy: "; ")
        #expect(processes.count == 3)
        #expect(processes[0].hasSuffix("--snapshot \(snapshot)") && processes[0].contains(" --kernel /k/migrate_state.elf "))
        #expect(processes[1].hasSuffix("run --restore \(snapshot) --snapshot \(snapshot) --timeout 5000ms --testdev --serial stdout -v"))
        #expect(processes[2] == processes[1])
        #expect(!run.commandLine[2].contains("--data"))
        // Each process's stderr, the restores marked.
        #expect(run.diagnostics.contains("tck: process 2 (after save 1): "))
        #expect(run.diagnostics.contains("tck: process 3 (after save 2): "))

        let judged = Judge.judge(entry: entry, driver: "swiftvm", run: run)
        #expect(judged.outcome == .pass && judged.migration == migration)
    }

    @Test func aNinthSaveIsAnErrorNamingTheLimit() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let driver = SwiftVMDriver(executable: try Self.loopScript(saves: 100, in: directory))
        let run = driver.runMigrating(entry, kernelDirectory: "/k", disk: nil, snapshot: directory + "/s.snap", cancelled: { false })
        #expect(run.termination == .vmmFailure(reason: "the guest asked for save 9 but tck restores a VM at most 8 times"))
        let migration = try #require(run.migration)
        #expect(migration.saves == 9 && migration.restores == 8 && migration.rounds.last?.restored == false)
        #expect(run.commandLine[2].components(separatedBy: "; ").count == 9)
        #expect(Judge.judge(entry: entry, driver: "swiftvm", run: run).outcome == .error)
    }

    /// After a restore, any status but 122 is decoded as for a plain run: here the guest's exit 3.
    @Test func theLastProcesssStatusDecidesTheTermination() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let driver = SwiftVMDriver(executable: try Self.loopScript(saves: 1, finalStatus: 3, in: directory))
        let run = driver.runMigrating(entry, kernelDirectory: "/k", disk: nil, snapshot: directory + "/s.snap", cancelled: { false })
        #expect(run.termination == .guestExit(code: 3))
        #expect(run.migration?.saves == 1 && run.migration?.restores == 1)
    }

    /// A run without a save (status 0 at once) is one process, recorded as itself.
    @Test func aRunThatNeverSavesIsOneProcess() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let driver = SwiftVMDriver(executable: try Self.loopScript(saves: 0, in: directory))
        let run = driver.runMigrating(entry, kernelDirectory: "/k", disk: nil, snapshot: directory + "/s.snap", cancelled: { false })
        #expect(run.termination == .guestExit(code: 0))
        #expect(run.migration == MigrationRecord(snapshotPath: directory + "/s.snap"))
        #expect(run.commandLine.first?.hasSuffix("save-n-times-then-exit.sh") == true && run.commandLine.last == directory + "/s.snap")
    }

    @Test func theSavedLineGivesSizeAndTime() {
        #expect(SwiftVMDriver.savedRound("swiftvm: saved to /r/t.snap (212992 bytes, 14 ms)\n")
                == MigrationRecord.Round(bytes: 212992, saveMilliseconds: 14))
        // No such line (an older swiftvm, a message changed): the round is still counted, without figures.
        #expect(SwiftVMDriver.savedRound("something else\n") == MigrationRecord.Round())
        #expect(SwiftVMDriver.restoreMilliseconds("swiftvm: restored from /r/t.snap (212992 bytes, 3.5 ms)") == 3.5)
        // swiftvm -v after a restore.
        #expect(SwiftVMDriver.restoreMilliseconds("""
            swiftvm: guest exited with status 0
            swiftvm: restored from /tmp/t.snap, set-up 11.8 ms, run 261.5 ms, 15 exits, 0 unassigned accesses, 0 MSR accesses refused (#GP)
            """) == 11.8)
        #expect(SwiftVMDriver.restoreMilliseconds("swiftvm: guest exited with status 0\n") == nil)
    }

    /// A driver that does not implement save and restore (the protocol's default) skips a migrate entry with
    /// its reason; nothing boots.
    @Test func aDriverWithoutSaveAndRestoreSkipsMigrateEntriesWithTheReason() {
        struct BootOnlyDriver: Driver {
            let name = "bootonly"
            func probe() throws(DriverUnavailable) -> DriverInfo { DriverInfo(name: name, version: "0", executable: "/bin/true") }
            func run(_ entry: CatalogEntry, kernelDirectory: String, cancelled: @escaping @Sendable () -> Bool) -> DriverRun {
                DriverRun(termination: .guestExit(code: 0), console: [], durationSeconds: 0)
            }
        }
        let run = BootOnlyDriver().runMigrating(entry, kernelDirectory: "/k", disk: nil, snapshot: "/r/s.snap", cancelled: { false })
        #expect(run.termination == .unsupported(reason: "driver bootonly cannot save and restore a running VM (migrate = yes)"))
        let judged = Judge.judge(entry: entry, driver: "bootonly", run: run)
        #expect(judged.outcome == .skip && judged.expected)
        #expect(judged.reason == "not run on this driver: driver bootonly cannot save and restore a running VM (migrate = yes)")
        #expect(judged.exitDescription == "not run: driver bootonly cannot save and restore a running VM (migrate = yes)")
    }
}
