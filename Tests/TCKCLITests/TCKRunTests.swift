import Foundation
import Testing

/// `tck run` end to end on real kernels: the CI-gate exit statuses, reports, shards, baselines, Ctrl-C.
@Suite(.enabled(if: TCKProcess.kvmUsable, TCKProcess.kvmReason))
struct TCKRunTests {
    static let plantedFailure = """
        [hello]
        groups = smoke
        [fail]
        groups = selftest

        """

    @Test func anUnexpectedFailureIsARegression() throws {
        let scratch = try Scratch(catalog: Self.plantedFailure)
        let output = try scratch.run("r")
        #expect(output.status == 1)
        #expect(output.stderr.contains("tck: UNEXPECTED fail swiftvm/fail"))
        #expect(output.stderr.contains("tck: 1 passed, 1 failed"))
        #expect(try scratch.outcomes("r") == ["swiftvm/hello": "pass", "swiftvm/fail": "fail"])
        let junit = try String(contentsOfFile: scratch.reports("r") + "/junit.xml", encoding: .utf8)
        #expect(junit.contains("<failure"))
        #expect(FileManager.default.fileExists(atPath: scratch.reports("r") + "/report.html"))
    }

    @Test func anExpectedFailureIsCountedButDoesNotGate() throws {
        let scratch = try Scratch(catalog: Self.plantedFailure + "xfail = planted | https://example.invalid/1\n")
        let output = try scratch.run("r", ["--tap"])
        #expect(output.status == 0)
        #expect(try scratch.outcomes("r")["swiftvm/fail"] == "xfail")
        #expect(output.stdout.hasPrefix("TAP version 13\n1..2\n"))
        #expect(output.stdout.contains("# TODO"))
    }

    @Test(.enabled(if: TCKProcess.qemuInstalled, "needs qemu-system-x86_64"))
    func bothDriversRunTheSameSuiteIntoOneMatrix() throws {
        let scratch = try Scratch(catalog: Self.plantedFailure)
        let output = try scratch.run("r", ["--driver", "swiftvm", "--driver", "qemu", "--jobs", "2"])
        #expect(output.status == 1)
        #expect(try scratch.outcomes("r") == ["swiftvm/hello": "pass", "swiftvm/fail": "fail",
                                              "qemu/hello": "pass", "qemu/fail": "fail"])
        let html = try String(contentsOfFile: scratch.reports("r") + "/report.html", encoding: .utf8)
        #expect(html.contains("result-qemu-hello") && html.contains("result-swiftvm-fail"))
    }

    @Test func shardsCoverTheSuiteOnceAndMergeBack() throws {
        let catalog = (1...6).map { "[hello-\($0)]\nkernel = hello\n" }.joined()
        let scratch = try Scratch(catalog: catalog)
        let first = try scratch.run("s1", ["--shard", "1/2"]), second = try scratch.run("s2", ["--shard", "2/2"])
        #expect(first.status == 0 && second.status == 0)
        let shardOne = Set(try scratch.outcomes("s1").keys), shardTwo = Set(try scratch.outcomes("s2").keys)
        #expect(shardOne.isDisjoint(with: shardTwo))
        #expect(shardOne.union(shardTwo) == Set((1...6).map { "swiftvm/hello-\($0)" }))

        let merged = try TCKProcess.run(["report", "merge", scratch.reports("s1") + "/results.json",
                                         scratch.reports("s2") + "/results.json", "-o", scratch.reports("merged")])
        #expect(merged.status == 0)
        #expect(try scratch.outcomes("merged").count == 6)
    }

    @Test func aBaselineNamesNewFailures() throws {
        let good = try Scratch(catalog: Self.plantedFailure + "xfail = planted\n")
        #expect(try good.run("before").status == 0)
        let bad = try Scratch(catalog: Self.plantedFailure)
        let output = try bad.run("after", ["--baseline", good.reports("before") + "/results.json"])
        #expect(output.status == 1)
        #expect(output.stderr.contains("swiftvm/fail"))
        let text = try String(contentsOfFile: bad.reports("after") + "/baseline.txt", encoding: .utf8)
        #expect(text.lowercased().contains("new failure"))
    }

    @Test func ctrlCWritesAPartialReport() throws {
        // A busy loop: swiftvm finds a cli;hlt deadlock at once, so only a spinning guest is still running
        // when the interrupt comes. Two jobs: the longest test is scheduled first, hello beside it.
        let scratch = try Scratch(catalog: "[hello]\n[hang]\ncmdline = spin\ntimeout = 30s\nexpect = timeout\n")
        let output = try scratch.run("r", ["--jobs", "2"], interruptAfter: 1.5)
        #expect(output.status == 130)
        #expect(output.stderr.contains("interrupted"))
        let results = try scratch.results("r")
        #expect(results["partial"] as? Bool == true)
        #expect(try scratch.outcomes("r") == ["swiftvm/hello": "pass"])
    }
}

/// Usage and environment errors: exit status 2 with one line, no KVM needed.
@Suite struct TCKUsageTests {
    @Test func aBadCatalogNamesFileAndLine() throws {
        let scratch = try Scratch(catalog: "[hello]\ncolour = blue\n")
        let output = try scratch.run("r")
        #expect(output.status == 2)
        #expect(output.stderr.contains("suite.cfg:2"))
        #expect(output.stderr.contains("colour"))
    }

    @Test func aMissingDriverBinaryIsAnEnvironmentError() throws {
        let scratch = try Scratch(catalog: "[hello]\n")
        let output = try scratch.run("r", ["--swiftvm", "/nonexistent/swiftvm"])
        #expect(output.status == 2)
        #expect(output.stderr.contains("driver swiftvm unavailable"))
        let unknown = try scratch.run("r", ["--driver", "bochs"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("The value 'bochs' is invalid for '--driver <name>'"))
    }

    @Test func listSelectsByGroupAndGlob() throws {
        let smp = try TCKProcess.run(["list", "--group", "smp"])
        #expect(smp.status == 0)
        #expect(smp.stdout.contains("smp-4") && !smp.stdout.contains("hello"))
        #expect(smp.stdout.hasSuffix("3 tests\n"))
        let glob = try TCKProcess.run(["list", "--filter", "hang*"])
        #expect(glob.stdout.hasSuffix("2 tests\n"))
    }
}
