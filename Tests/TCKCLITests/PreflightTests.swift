import Foundation
import Testing

/// A host that cannot run a machine type the selection needs: one line per machine type and exit 2,
/// before any test runs, rather than one regression per test.
@Suite(.enabled(if: TCKProcess.kvmUsable, TCKProcess.kvmReason))
struct PreflightTests {
    /// A swiftvm whose `check` says this host's KVM lacks pni (as on AMD hosts); everything else is the real one.
    static func wrapper(in scratch: Scratch) throws -> String {
        let path = scratch.path + "/swiftvm"
        try """
            #!/bin/sh
            if [ "$1" = check ]; then
                echo "swiftvm: machine type swiftvm-1.1: this host's KVM cannot provide CPU features the machine type needs: CPUID.1.0:ECX[0] pni" >&2
                exit 78
            fi
            exec '\(TCKProcess.buildDirectory)/swiftvm' "$@"

            """.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    @Test func aMachineTypeTheHostCannotRunStopsTheRunWithOneLine() throws {
        let scratch = try Scratch(catalog: "[hello]\nmachine = swiftvm-1.1\n[fail]\nmachine = swiftvm-1.1\n")
        let output = try scratch.run("r", ["--swiftvm", try Self.wrapper(in: scratch)])
        #expect(output.status == 2)
        let lines = output.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(output.stderr)")
        #expect(lines.first?.hasPrefix("tck: swiftvm cannot run machine type swiftvm-1.1 on this host: ") == true)
        #expect(output.stderr.contains("pni"))
        #expect(!FileManager.default.fileExists(atPath: scratch.reports("r") + "/results.json"))
    }

    @Test func abiDumpChecksTheMachineTypeFirst() throws {
        let scratch = try Scratch(catalog: "")
        let output = try TCKProcess.run(["abi", "dump", "--swiftvm", try Self.wrapper(in: scratch), "--machine", "swiftvm-1.1",
                                         "-o", scratch.reports("fp.json")])
        #expect(output.status == 2)
        #expect(output.stderr.hasPrefix("tck: swiftvm cannot run machine type swiftvm-1.1 on this host: "))
        #expect(output.stderr.contains("pni"))
        #expect(!FileManager.default.fileExists(atPath: scratch.reports("fp.json")))
    }
}
