import Foundation
import Testing
import TestSupport

/// The snapshot counterpart of the ABI baselines: files written by an earlier swiftvm
/// (Fixtures/snapshots, README there) must restore with this one, and the guest must finish its checks.
@Suite(.enabled(if: SwiftVMProcess.kvmUsable, SwiftVMProcess.kvmReason))
struct SwiftVMGoldenSnapshotTests {
    static let directory = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/snapshots").path
    static let files = ["migrate_state-save1.snap", "migrate_smp-save1.snap", "conf_rtc-sigusr1.snap"]

    @Test func everyGoldenFileIsListed() throws {
        let present = try FileManager.default.contentsOfDirectory(atPath: Self.directory).filter { $0.hasSuffix(".snap") }.sorted()
        #expect(present == Self.files.sorted())
    }

    @Test(arguments: files)
    func aGoldenSnapshotRestoresAndTheGuestFinishes(file: String) throws {
        let directory = try TemporaryDirectory()
        let next = directory.path + "/next.snap"
        var result = try SwiftVMProcess.run(["run", "--restore", Self.directory + "/" + file, "--snapshot", next, "--timeout", "20s"])
        var console = result.stdout, restores = 1
        while result.status == 122 && restores < 8 {
            result = try SwiftVMProcess.run(["run", "--restore", next, "--snapshot", next, "--timeout", "20s"])
            console += result.stdout
            restores += 1
        }
        #expect(result.status == 0, "\(console)\n\(result.stderr)")
        #expect(console.contains("TCK:1 END pass="))
        #expect(console.contains(" fail=0 "), "\(console)")
        #expect(!console.contains("CASE FAIL"), "\(console)")
    }
}
