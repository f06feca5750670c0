import Foundation
import Testing
@testable import TCK

@Suite struct DriverPreflightTests {
    @Test func eachDistinctMachineTypeIsCheckedOncePerDriverInFirstUseOrder() {
        let entries = [
            CatalogEntry(name: "a", kernel: "k"),
            CatalogEntry(name: "b", kernel: "k", defaultMachine: "swiftvm-1.0", machines: ["qemu": "pc"]),
            CatalogEntry(name: "c", kernel: "k", defaultMachine: "swiftvm-1.0"),
            CatalogEntry(name: "d", kernel: "k", machines: ["swiftvm": "swiftvm-1.1", "qemu": "pc"]),
            CatalogEntry(name: "e", kernel: "k"),
        ]
        #expect(DriverPreflight.machineTypes(of: entries, on: "swiftvm") == [nil, "swiftvm-1.0", "swiftvm-1.1"])
        #expect(DriverPreflight.machineTypes(of: entries, on: "qemu") == [nil, "pc", "swiftvm-1.0"])
        #expect(DriverPreflight.machineTypes(of: [], on: "swiftvm").isEmpty)
    }

    /// A driver whose host cannot run some machine types.
    struct FussyDriver: Driver {
        let name = "fussy"
        let refused: Set<String?>
        func probe() throws(DriverUnavailable) -> DriverInfo { DriverInfo(name: name, version: "1", executable: "/x") }
        func check(machine: String?) throws(DriverUnavailable) {
            if refused.contains(machine) { throw DriverUnavailable(driver: name, reason: "no \(machine ?? "default")") }
        }
        func run(_ entry: CatalogEntry, kernelDirectory: String, cancelled: @escaping @Sendable () -> Bool) -> DriverRun {
            fatalError("the preflight boots nothing")
        }
    }

    @Test func failuresNameTheDriverAndMachineTypeAndTheDefaultByItsName() {
        let driver = FussyDriver(refused: [nil, "m2"])
        let info = DriverInfo(name: "fussy", version: "1", executable: "/x", details: ["machine": "m1"])
        let entries = [CatalogEntry(name: "a", kernel: "k"), CatalogEntry(name: "b", kernel: "k", defaultMachine: "m2"),
                       CatalogEntry(name: "c", kernel: "k", defaultMachine: "m3")]
        let failures = DriverPreflight.check([(driver, info)], entries: entries)
        #expect(failures.map(\.description) == ["fussy cannot run machine type m1 on this host: no default",
                                                "fussy cannot run machine type m2 on this host: no m2"])
        #expect(DriverPreflight.check(driver, machine: "m3") == nil)
        // QEMU has no per-machine-type check: its probe is all.
        #expect(DriverPreflight.check(QEMUDriver(executable: "/nonexistent"), machine: "pc") == nil)
    }

    @Test func swiftvmCheckRunsTheBinaryAndReportsItsStderrLineAndStatus() throws {
        let directory = NSTemporaryDirectory() + "tck-preflight-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = directory + "/swiftvm"
        try """
            #!/bin/sh
            echo "$@" > \(directory)/arguments
            [ "$3" = ok ] && exit 0
            echo "swiftvm: machine type $3: this host's KVM cannot provide CPU features the machine type needs: CPUID.1.0:ECX[0] pni" >&2
            exit 78

            """.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let driver = SwiftVMDriver(executable: script)
        try driver.check(machine: "ok")
        #expect(throws: DriverUnavailable(driver: "swiftvm", reason: "machine type swiftvm-1.1: this host's KVM cannot provide "
                                          + "CPU features the machine type needs: CPUID.1.0:ECX[0] pni (swiftvm check status 78)")) {
            try driver.check(machine: "swiftvm-1.1")
        }
        #expect(try String(contentsOfFile: directory + "/arguments", encoding: .utf8) == "check --machine swiftvm-1.1\n")
        #expect(throws: DriverUnavailable.self) { try SwiftVMDriver(executable: directory + "/missing").check(machine: nil) }
    }
}
