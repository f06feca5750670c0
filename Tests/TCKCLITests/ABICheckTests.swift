import Foundation
import Testing
import TestSupport

/// `tck abi` end to end on real captures: the committed baselines hold, and a planted difference is
/// found, named and classified.
@Suite(.enabled(if: TCKProcess.kvmUsable, TCKProcess.kvmReason))
struct ABICheckTests {
    @Test func theCommittedBaselinesMatchEveryMachineType() throws {
        let output = try TCKProcess.run(["abi", "check"])
        #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
        #expect(output.stdout.contains("tck abi check: 3 passed, 0 failed"))
    }

    @Test func aPlantedChangeFailsTheGateAndIsNamed() throws {
        let scratch = try Scratch(catalog: "")
        let baselines = scratch.reports("abi")
        try FileManager.default.createDirectory(atPath: baselines, withIntermediateDirectories: true)
        for machine in ["swiftvm-1.0", "swiftvm-1.1", "swiftvm-1.2"] {
            try FileManager.default.copyItem(atPath: TCKProcess.packageRoot + "/Reports/abi/\(machine).json",
                                             toPath: baselines + "/\(machine).json")
        }
        // Plant: the 1.0 baseline claims an invariant TSC and a second IOAPIC redirection value.
        let path = baselines + "/swiftvm-1.0.json"
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        var abi = json["abi"] as! [String: Any]
        var cpuid = abi["cpuid"] as! [String: [String: String]]
        cpuid["80000007.0"]?["edx"] = "0x00000100"
        abi["cpuid"] = cpuid
        json["abi"] = abi
        try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]).write(to: URL(fileURLWithPath: path))

        let output = try TCKProcess.run(["abi", "check", "--baselines", baselines])
        #expect(output.status == 1)
        #expect(output.stdout.contains("[breaking  ] CPUID.80000007.0:EDX[8] invtsc 1→0"))
        #expect(output.stdout.contains("swiftvm-1.1: identical to its baseline"))
        #expect(output.stdout.contains("tck abi check: 2 passed, 1 failed"))
    }

    /// A machine type whose leaf-1 feature bits change fails the gate by name, on this kvm_pvm host
    /// too, where the guest sees the host's leaf 1: the programmed table is what gets compared.
    @Test func aPlantedLeafOneFeatureChangeFailsTheGateByName() throws {
        let scratch = try Scratch(catalog: "")
        let wrapper = scratch.reports("swiftvm-planted")
        let swiftvm = TCKProcess.buildDirectory + "/swiftvm"
        try """
            #!/bin/sh
            # swiftvm with CPUID.1:EDX[17] pse36 taken out of every machine type it runs
            if [ "$1" = run ]; then shift; exec "\(swiftvm)" run --cpu-features=-pse36 "$@"; fi
            exec "\(swiftvm)" "$@"
            """.write(toFile: wrapper, atomically: true, encoding: .utf8)
        chmod(wrapper, 0o755)
        let output = try TCKProcess.run(["abi", "check", "--swiftvm", wrapper, "--report-dir", scratch.reports("abi")])
        #expect(output.status == 1, "\(output.stdout)\(output.stderr)")
        #expect(output.stdout.contains("programmed-cpuid:\n    [breaking  ] CPUID.1.0:EDX[17] pse36 1→0"), "\(output.stdout)")
        #expect(output.stdout.contains("tck abi check: 0 passed, 3 failed"))
        let junit = try String(contentsOfFile: scratch.reports("abi/junit.xml"), encoding: .utf8)
        #expect(junit.contains("CPUID.1.0:EDX[17] pse36 1→0"))
    }

    @Test func machineTypesDifferExactlyAsDocumented() throws {
        let scratch = try Scratch(catalog: "")
        for machine in ["swiftvm-1.0", "swiftvm-1.1"] {
            let dump = try TCKProcess.run(["abi", "dump", "--machine", machine, "-o", scratch.reports("\(machine).json"),
                                           "--tables-dir", scratch.reports("tables-\(machine)")])
            #expect(dump.status == 0, "\(dump.stderr)")
        }
        let diff = try TCKProcess.run(["abi", "diff", scratch.reports("swiftvm-1.0.json"), scratch.reports("swiftvm-1.1.json"),
                                       "--json", scratch.reports("diff.json")])
        #expect(diff.status == 1)
        #expect(diff.stdout.contains("0 breaking"))
        #expect(diff.stdout.contains("[compatible] CPUID.80000007.0:EDX[8] invtsc 0→1"))
        #expect(diff.stdout.contains("[compatible] PCI 00:01.0 added (0x1b36:0x0005 class 0x00ff00)"))
    }

    /// The ACPI tables a guest captured pass the real ACPI compiler: every table the machine declares is
    /// there, disassembles cleanly, and the DSDT recompiles to the same bytes.
    @Test(.enabled(if: TCKProcess.iaslInstalled, "needs iasl (acpica-tools) on PATH"))
    func capturedTablesPassTheACPICompiler() throws {
        let scratch = try Scratch(catalog: "")
        let dump = try TCKProcess.run(["abi", "dump", "--machine", "swiftvm-1.2", "-o", scratch.reports("fp.json"),
                                       "--tables-dir", scratch.reports("tables")])
        #expect(dump.status == 0, "\(dump.stderr)")
        let check = try TestProcess.run(TCKProcess.packageRoot + "/scripts/check-acpi.sh", [scratch.reports("tables")])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("check-acpi: 5 tables OK"), "\(check.stdout)")
    }
}
