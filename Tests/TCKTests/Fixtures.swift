import Foundation
import TCK

/// Shared test material: real kernel transcripts (exact report.c formats), results, reports, temp files.
enum Fixtures {
    /// `hello` booted by PVH with no command line and 64 MiB, as the UART shows it.
    static let helloTranscript = """
        TCK:1 BEGIN hello
        Hello from PVH guest
        TCK:1 CASE PASS boot.protocol :: PVH
        TCK:1 DATA boot.protocol PVH
        TCK:1 DATA boot.cmdline \("")
        TCK:1 CASE SKIP boot.cmdline_visible :: empty command line
        TCK:1 DATA memmap.count 3
        TCK:1 DATA memmap.0 addr=0x0 size=0x9fc00 type=1
        TCK:1 DATA memmap.1 addr=0x9fc00 size=0x60400 type=2
        TCK:1 DATA memmap.2 addr=0x100000 size=0x3f00000 type=1
        TCK:1 CASE PASS memmap.nonempty
        TCK:1 CASE PASS memmap.ram_at_1m
        TCK:1 DATA modules.count 0
        TCK:1 END pass=3 fail=0 skip=1

        """

    /// `fail`: one passing and one failing case; the kernel then exits 1.
    static let failTranscript = """
        TCK:1 BEGIN fail
        TCK:1 CASE PASS fail.expected_pass
        TCK:1 CASE FAIL fail.expected_fail :: this case fails on purpose
        TCK:1 END pass=1 fail=1 skip=0

        """

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func transcript(kernel: String = "k", cases: [(String, String)], end: String? = nil) -> [UInt8] {
        var lines = ["TCK:1 BEGIN \(kernel)"]
        var counts = (pass: 0, fail: 0, skip: 0)
        for (status, name) in cases {
            lines.append("TCK:1 CASE \(status) \(name)")
            switch status {
            case "PASS": counts.pass += 1
            case "FAIL": counts.fail += 1
            default: counts.skip += 1
            }
        }
        lines.append(end ?? "TCK:1 END pass=\(counts.pass) fail=\(counts.fail) skip=\(counts.skip)")
        return bytes(lines.joined(separator: "\n") + "\n")
    }

    static func result(_ test: String, driver: String = "swiftvm", outcome: Outcome = .pass, expected: Bool = true,
                       reason: String = "ok") -> TestResult {
        TestResult(test: test, kernel: test, groups: [], driver: driver, outcome: outcome, expected: expected,
                   reason: reason, expectation: .pass, cases: [CaseResult(name: "a.b", status: .pass)],
                   data: [DataRecord(key: "k", value: "v")], protocolErrors: [], console: "TCK:1 BEGIN x\n",
                   consoleTruncated: false, exitDescription: "guest exit 0", durationSeconds: 0.25,
                   diagnostics: "", commandLine: ["swiftvm", "run", "x.elf"])
    }

    static func report(_ results: [TestResult], drivers: [String] = ["swiftvm"], startedAt: String = "2025-01-01T10:00:00Z",
                       finishedAt: String = "2025-01-01T10:05:00Z", partial: Bool = false, shard: String? = nil,
                       schemaVersion: Int = RunReport.currentSchemaVersion) -> RunReport {
        RunReport(schemaVersion: schemaVersion, tool: "tck 0.1", startedAt: startedAt, finishedAt: finishedAt,
                  partial: partial, shard: shard,
                  drivers: drivers.map { DriverInfo(name: $0, version: "1.0", executable: "/usr/bin/\($0)") },
                  host: HostInfo(hostname: "ci", kernel: "6.8", cpu: "x86", kvm: "yes"), results: results)
    }

    /// A fresh temporary directory holding empty `<name>.elf` files.
    static func kernelDirectory(_ kernels: [String]) throws -> String {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tck-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for kernel in kernels {
            _ = FileManager.default.createFile(atPath: "\(directory)/\(kernel).elf", contents: Data())
        }
        return directory
    }
}
