import Foundation
import Testing
import TestSupport
@testable import TCK

private let kernels = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path + "/TestGuests/build"

/// The qemu driver's migrate loop when the save cannot be written, on a real QEMU and the real
/// migrate_state kernel: the snapshot's directory does not exist, so `cat > FILE.part` fails, QEMU reports
/// the migration failed, and the run is an `error` naming the save, its tag and QEMU's reason.
@Suite(.enabled(if: TestProcess.which("qemu-system-x86_64") != nil, "qemu-system-x86_64 is not installed (make setup-test)"),
       .enabled(if: FileManager.default.fileExists(atPath: kernels + "/pvh/migrate_state.elf"),
                "needs TestGuests/build/pvh/migrate_state.elf (make guests)"))
struct QEMUMigrationFailureTests {
    @Test func aSaveQEMUCannotWriteIsAnErrorWithQEMUsReason() throws {
        let entry = CatalogEntry(name: "migrate-state", kernel: "migrate_state", groups: ["migration"], timeoutSeconds: 30, migrate: true)
        let snapshot = NSTemporaryDirectory() + "tck-no-such-directory-\(UUID().uuidString)/migrate-state.snap"
        let run = QEMUDriver(executable: "qemu-system-x86_64").runMigrating(entry, kernelDirectory: kernels, disk: nil,
                                                                           snapshot: snapshot, cancelled: { false })
        guard case let .vmmFailure(reason) = run.termination else {
            Issue.record("expected a VMM failure, got \(run.termination)")
            return
        }
        #expect(reason.hasPrefix("save 1 (tag 1): QMP: 'migrate' failed: "), "\(reason)")
        #expect(run.migration?.rounds.isEmpty == true)
        // The guest got as far as asking; nothing after it ran.
        let console = String(decoding: run.console, as: UTF8.self)
        #expect(console.contains("tck-migrate: save 1") && !console.contains("migrate.save.1"))
        #expect(Judge.judge(entry: entry, driver: "qemu", run: run).outcome == .error)
    }
}
