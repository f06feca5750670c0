import Foundation
import Testing

/// tck by the book (issue 10, item 5): usage errors exit 2 as `tck --help` says, `--version`, drivers and
/// QEMU machines as listed choices, fnmatch globs, `tck list --json` and its selection errors, the report
/// directory checked before the first test, plural forms. No KVM needed.
@Suite struct CLIConventionsTests {
    static let catalog = """
        [conf-pci]
        kernel = hello
        groups = pci
        description = the PCI one
        [conf-msr]
        kernel = hello
        groups = msr
        xfail.qemu = QEMU leaves MSRs to KVM | docs/driver-differences.md
        [conf-io]
        kernel = hello
        groups = io
        disk = 64K pattern readonly
        [smp-4]
        kernel = hello
        cpus = 4

        """

    func list(_ scratch: Scratch, _ extra: [String]) throws -> TCKProcess.Output {
        try TCKProcess.run(["list", "--catalog", scratch.catalogPath, "--kernels", TCKProcess.kernels] + extra)
    }

    @Test(arguments: [["--bogus"], ["run", "--jobs", "0"], ["run", "--driver", "bochs"], ["run", "--qemu-machine", "q35"],
                      ["abi", "dump", "--driver", "bochs", "-o", "/dev/null"], ["list", "--nope"], ["report", "merge"]])
    func usageErrorsExitTwoNotSixtyFour(arguments: [String]) throws {
        let output = try TCKProcess.run(arguments)
        #expect(output.status == 2, "\(arguments): \(output.stderr)")
        #expect(output.stderr.hasPrefix("Error: "), "\(output.stderr)")
        #expect(output.stdout.isEmpty)
    }

    @Test func anUnknownDriverNamesTheChoices() throws {
        let output = try TCKProcess.run(["run", "--driver", "bochs"])
        #expect(output.stderr.contains("'bochs'") && output.stderr.contains("'swiftvm'") && output.stderr.contains("'qemu'"))
    }

    @Test func helpAndVersionExitZero() throws {
        let help = try TCKProcess.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("2    bad usage"))
        let version = try TCKProcess.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.range(of: #"^tck \d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil, "\(version.stdout)")
        #expect(try TCKProcess.run(["help", "run"]).status == 0)
    }

    @Test func helpAndCompletionListDriversAndQEMUMachines() throws {
        let help = try TCKProcess.run(["run", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("(values: swiftvm, qemu, libvirt)"))
        #expect(help.stdout.contains("--libvirt-uri <uri>") && help.stdout.contains("--libvirt-machine <name>"))
        #expect(help.stdout.contains("(values: microvm, pc; default: microvm)"))
        let abi = try TCKProcess.run(["abi", "dump", "--help"])
        // The help wraps lines: compare with runs of spaces and newlines folded to one space.
        let abiText = abi.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        #expect(abiText.contains("(values: swiftvm, qemu, libvirt; default: swiftvm)"))
        let bash = try TCKProcess.run(["--generate-completion-script", "bash"])
        #expect(bash.status == 0)
        #expect(bash.stdout.contains("'swiftvm'$'\\n''qemu'$'\\n''libvirt'"))
        #expect(bash.stdout.contains("'microvm'$'\\n''pc'"))
    }

    @Test func filterGlobsHaveCharacterClasses() throws {
        let scratch = try Scratch(catalog: Self.catalog)
        let classes = try list(scratch, ["--filter", "conf-[mp]*"])
        #expect(classes.status == 0, "\(classes.stderr)")
        #expect(classes.stdout.contains("conf-pci") && classes.stdout.contains("conf-msr"))
        #expect(!classes.stdout.contains("conf-io") && !classes.stdout.contains("smp-4"))
        #expect(classes.stdout.hasSuffix("\n2 tests\n"))
        let negated = try list(scratch, ["--filter", "[!c]*"])
        #expect(negated.stdout.contains("smp-4") && !negated.stdout.contains("conf-"))
        #expect(negated.stdout.hasSuffix("\n1 test\n"))
    }

    @Test func listAndRunRefuseAnEmptySelectionAlike() throws {
        let scratch = try Scratch(catalog: Self.catalog)
        let listed = try list(scratch, ["--group", "nosuch"])
        #expect(listed.status == 2)
        #expect(listed.stdout.isEmpty)
        let ran = try scratch.run("r", ["--group", "nosuch"])
        #expect(ran.status == 2)
        #expect(listed.stderr == ran.stderr)
        #expect(listed.stderr == "tck: no test in \(scratch.catalogPath) matches --group 'nosuch'; no test is in group 'nosuch' "
                + "(groups: io, msr, pci); `tck list` shows every test\n")
        let globbed = try list(scratch, ["--filter", "nothing-*"])
        #expect(globbed.status == 2)
        #expect(globbed.stderr.contains("matches --filter 'nothing-*'"))
        #expect(!FileManager.default.fileExists(atPath: scratch.reports("r")))
    }

    @Test func listJSONGivesEachTestAndItsExpectationPerDriver() throws {
        let scratch = try Scratch(catalog: Self.catalog)
        let output = try list(scratch, ["--json", "--filter", "conf-*"])
        #expect(output.status == 0, "\(output.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        #expect(document["catalog"] as? String == scratch.catalogPath)
        let tests = try #require(document["tests"] as? [[String: Any]])
        #expect(tests.map { $0["name"] as? String } == ["conf-pci", "conf-msr", "conf-io"])
        let pci = tests[0], msr = tests[1]
        #expect(pci["kernel"] as? String == "hello")
        #expect(pci["groups"] as? [String] == ["pci"])
        #expect(pci["description"] as? String == "the PCI one")
        let expectations = try #require(msr["expectations"] as? [String: [String: String]])
        #expect(expectations["swiftvm"] == ["outcome": "pass"])
        #expect(expectations["qemu"] == ["outcome": "xfail", "reason": "QEMU leaves MSRs to KVM", "link": "docs/driver-differences.md"])
        #expect(pci["disk"] == nil)
        let disk = try #require(tests[2]["disk"] as? [String: Any])
        #expect(disk["sizeBytes"] as? Int == 65536 && disk["content"] as? String == "pattern" && disk["readOnly"] as? Bool == true)
        let text = try list(scratch, ["--filter", "conf-io"])
        #expect(text.stdout.contains("io  disk 64K pattern readonly"), "\(text.stdout)")
    }

    @Test func aReportDirectoryThatCannotBeCreatedStopsTheRunAtOnce() throws {
        let scratch = try Scratch(catalog: "[hello]\n[hang]\ntimeout = 30s\nexpect = timeout\n")
        let started = Date()
        let output = try TCKProcess.run(["run", "--catalog", scratch.catalogPath, "--kernels", TCKProcess.kernels,
                                         "--report-dir", "/proc/nope", "--tap"])
        #expect(output.status == 2)
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(output.stderr == "tck: --report-dir /proc/nope: cannot create /proc/nope: No such file or directory; nothing was run\n")
        #expect(output.stdout.isEmpty)

        try "not a directory".write(toFile: scratch.reports("file"), atomically: true, encoding: .utf8)
        let file = try scratch.run("file")
        #expect(file.status == 2)
        #expect(file.stderr.contains("--report-dir \(scratch.reports("file")): not a directory"))
    }

    /// A report directory that exists but cannot be written: a read-only tmpfs as root (root ignores
    /// permission bits), a mode-555 directory otherwise.
    @Test func aReadOnlyReportDirectoryStopsTheRunAtOnce() throws {
        let scratch = try Scratch(catalog: "[hello]\n[hang]\ntimeout = 30s\nexpect = timeout\n")
        let dir = scratch.reports("ro")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if getuid() == 0 {
            let mount = Process()
            mount.executableURL = URL(fileURLWithPath: "/bin/mount")
            mount.arguments = ["-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", dir]
            mount.standardError = FileHandle.nullDevice
            try mount.run()
            mount.waitUntilExit()
            if mount.terminationStatus != 0 { try Test.cancel("mount -t tmpfs failed (no mount permission in this container?)") }
        } else {
            chmod(dir, 0o555)
        }
        defer { if getuid() == 0 { umount2(dir, Int32(MNT_DETACH)) } else { chmod(dir, 0o755) } }

        let started = Date()
        let output = try scratch.run("ro")
        #expect(output.status == 2)
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(output.stderr.hasPrefix("tck: --report-dir \(dir): cannot write in it: "))
        #expect(output.stderr.contains(getuid() == 0 ? "Read-only file system" : "Permission denied"))
        #expect(output.stderr.split(separator: "\n").count == 1, "\(output.stderr)")
    }

    /// No "1 results" or "1 tests" anywhere in what tck prints.
    @Test func pluralFormsAreRight() throws {
        let scratch = try Scratch(catalog: Self.catalog)
        let one = try list(scratch, ["--filter", "smp-4"])
        #expect(one.stdout.hasSuffix("\n1 test\n"))
        let all = try list(scratch, [])
        #expect(all.stdout.hasSuffix("\n4 tests\n"))
    }
}

/// `--tap` streamed while the run goes, and the summary's plural forms, on real kernels.
@Suite(.enabled(if: TCKProcess.kvmUsable, TCKProcess.kvmReason))
struct TAPStreamingTests {
    /// The TAP plan and the first result are on stdout while `hang` still runs, i.e. before the run ends.
    /// (A spinning hang: swiftvm ends cli;hlt at once as a deadlock. Two jobs: hang, expected longest,
    /// starts first, hello and fail beside it.)
    @Test func tapLinesArriveAsResultsFinish() throws {
        let scratch = try Scratch(catalog: "[hello]\n[fail]\n[hang]\ncmdline = spin\ntimeout = 4s\nexpect = timeout\n")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TCKProcess.buildDirectory + "/tck")
        process.arguments = ["run", "--catalog", scratch.catalogPath, "--kernels", TCKProcess.kernels,
                             "--report-dir", scratch.reports("r"), "--tap", "--jobs", "2"]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        var early = ""
        let deadline = Date().addingTimeInterval(3)
        let reader = out.fileHandleForReading
        while Date() < deadline && !early.contains("not ok 2") {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            early += String(decoding: chunk, as: UTF8.self)
        }
        let stillRunning = process.isRunning
        let rest = String(decoding: reader.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()

        #expect(stillRunning, "the first results reached stdout only after the run ended")
        #expect(early.hasPrefix("TAP version 13\n1..3\nok 1 - swiftvm/hello\nnot ok 2 - swiftvm/fail\n  ---\n"), "\(early)")
        let tap = early + rest
        #expect(tap.hasSuffix("ok 3 - swiftvm/hang\n"), "\(tap)")
        #expect(tap.contains("  outcome: fail\n  expected: false\n"))
        #expect(tap.contains("  command: \""))
        #expect(process.terminationStatus == 1)
        #expect(!stderr.contains("TAP version"))
        #expect(stderr.contains("tck: 3 results: "))
    }

    @Test func oneResultIsOneResult() throws {
        let scratch = try Scratch(catalog: "[hello]\n")
        let output = try scratch.run("r")
        #expect(output.status == 0)
        #expect(output.stderr.contains("tck: 1 result: 1 pass\n"), "\(output.stderr)")
    }
}
