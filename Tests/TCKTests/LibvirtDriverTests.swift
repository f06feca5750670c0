import Foundation
import Testing
@testable import TCK

/// Whether a libvirt the driver can use answers here (scripts/libvirt-up.sh starts one; `make test`
/// runs these tests with it up), and why not.
enum LibvirtAvailability {
    static let probe: Result<DriverInfo, DriverUnavailable> = {
        guard FileManager.default.fileExists(atPath: LibvirtDriverTests.kernels + "/hello.elf") else {
            return .failure(DriverUnavailable(driver: "libvirt", reason: "TestGuests/build/hello.elf missing (make guests)"))
        }
        do throws(DriverUnavailable) { return .success(try LibvirtDriver().probe()) } catch { return .failure(error) }
    }()
    static var isUsable: Bool { (try? probe.get()) != nil }
    static var reason: Comment {
        if case .failure(let error) = probe { return "libvirt cannot run here: \(error.reason)" }
        return "libvirt answers"
    }
}

/// Real guests through a real libvirt: the outcomes the catalog expects, and no domain left behind.
@Suite(.enabled(if: LibvirtAvailability.isUsable, LibvirtAvailability.reason))
struct LibvirtDriverTests {
    static let kernels = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path + "/TestGuests/build"

    /// The tck domains of this process that libvirt still lists.
    static func ownDomains() -> [String] {
        let result = ChildProcess(executable: QEMUDriver.resolve("virsh")!, arguments: ["-c", LibvirtDriver.defaultURI, "list", "--all", "--name"],
                                  timeoutSeconds: 30).run()
        return String(decoding: result.stdout, as: UTF8.self).split(separator: "\n")
            .filter { LibvirtDomainNames.owner(of: String($0)) == getpid() }.map(String.init)
    }

    @Test func probeRecordsLibvirtAndQEMUVersions() throws {
        let info = try LibvirtAvailability.probe.get()
        #expect(info.name == "libvirt")
        #expect(info.version.hasPrefix("libvirt ") && info.version.contains(", QEMU "))
        #expect(info.details["machine"]?.hasPrefix("pc-i440fx-") == true, "\(info.details)")
        #expect(info.details["uri"] == LibvirtDriver.defaultURI)
    }

    @Test func helloPassesAndItsDomainIsGone() throws {
        let directory = NSTemporaryDirectory() + "tck-libvirt-test-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let entry = CatalogEntry(name: "hello", kernel: "hello", commandLine: "tck=1 answer=42")
        let run = LibvirtDriver(domainDirectory: directory).run(entry, kernelDirectory: Self.kernels, cancelled: { false })
        #expect(run.termination == .guestExit(code: 0), "\(run.diagnostics)")
        let result = Judge.judge(entry: entry, driver: "libvirt", run: run)
        #expect(result.outcome == .pass, "\(result.reason)")
        #expect(String(decoding: run.console, as: UTF8.self).contains("answer=42"))
        // The domain XML is kept and named by the recorded command line; the QEMU command line is in the diagnostics.
        #expect(run.commandLine.suffix(2) == ["create", directory + "/hello.domain.xml"])
        #expect(FileManager.default.fileExists(atPath: directory + "/hello.domain.xml"))
        #expect(run.diagnostics.contains("isa-debug-exit,iobase=0xf4,iosize=4"))
        #expect(!Self.ownDomains().contains { $0.hasSuffix("-hello") })
    }

    /// migrate_platform (two saves) through `virsh save` and `virsh restore`: passes, both rounds recorded,
    /// the snapshot kept, the chain recorded, no domain left.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: LibvirtDriverTests.kernels + "/migrate_platform.elf"),
                   "needs TestGuests/build/migrate_platform.elf (make guests)"))
    func aMigrateTestIsSavedAndRestoredByVirsh() throws {
        let directory = NSTemporaryDirectory() + "tck-libvirt-migrate-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let entry = CatalogEntry(name: "migrate-platform", kernel: "migrate_platform", groups: ["migration"], timeoutSeconds: 30, migrate: true)
        let snapshot = directory + "/migrate-platform.snap"
        let run = LibvirtDriver(domainDirectory: directory).runMigrating(entry, kernelDirectory: Self.kernels, disk: nil,
                                                                          snapshot: snapshot, cancelled: { false })
        let result = Judge.judge(entry: entry, driver: "libvirt", run: run)
        #expect(result.outcome == .pass, "\(result.reason)\n\(run.diagnostics)")
        let migration = try #require(run.migration)
        #expect(migration.rounds.map(\.tag) == [1, 2] && migration.restores == 2)
        #expect(migration.rounds.allSatisfy { ($0.bytes ?? 0) > 0 && $0.restoreMilliseconds != nil })
        #expect(FileManager.default.fileExists(atPath: snapshot))
        let chain = run.commandLine.last ?? ""
        #expect(run.commandLine.prefix(2) == ["sh", "-c"] && chain.components(separatedBy: " restore ").count == 3, "\(chain)")
        #expect(!Self.ownDomains().contains { $0.hasSuffix("-migrate-platform") })
    }

    @Test func aFailingKernelExitsOneAndATripleFaultIsACrash() {
        let fail = LibvirtDriver().run(CatalogEntry(name: "fail", kernel: "fail"), kernelDirectory: Self.kernels, cancelled: { false })
        #expect(fail.termination == .guestExit(code: 1), "\(fail.diagnostics)")
        let crash = LibvirtDriver().run(CatalogEntry(name: "triplefault", kernel: "triplefault"), kernelDirectory: Self.kernels,
                                        cancelled: { false })
        guard case .guestCrash = crash.termination else {
            Issue.record("triplefault: \(crash.termination)\n\(crash.diagnostics)")
            return
        }
    }

    @Test func aHangTimesOutAndACancelledRunLeavesNothing() {
        let hang = LibvirtDriver().run(CatalogEntry(name: "hang", kernel: "hang", timeoutSeconds: 1), kernelDirectory: Self.kernels,
                                       cancelled: { false })
        #expect(hang.termination == .timeout, "\(hang.diagnostics)")
        let start = ChildProcess.now()
        let cancelled = LibvirtDriver().run(CatalogEntry(name: "hang-cancelled", kernel: "hang", commandLine: "spin", timeoutSeconds: 60),
                                            kernelDirectory: Self.kernels, cancelled: { ChildProcess.now() - start > 3 })
        #expect(cancelled.termination == .vmmFailure(reason: "cancelled"))
        #expect(ChildProcess.now() - start < 30)
        #expect(!Self.ownDomains().contains { $0.hasSuffix("-hang") || $0.hasSuffix("-hang-cancelled") })
    }

    @Test func anUnknownMachineTypeIsRefusedBeforeAnyBoot() {
        #expect(throws: DriverUnavailable.self) { try LibvirtDriver().check(machine: "pc-i440fx-0.1-nosuch") }
    }
}
