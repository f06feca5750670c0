import Testing
@testable import TCK

@Suite struct BaselineMergeTests {
    typealias R = Fixtures

    @Test func baselineSortsEveryResultIntoOneCategory() {
        let previous = R.report([
            R.result("steady"), R.result("breaks"), R.result("healed", outcome: .fail, expected: false),
            R.result("broken", outcome: .crash, expected: false), R.result("gone"),
            R.result("xf", outcome: .xfail, expected: true),
        ])
        let current = R.report([
            R.result("steady"), R.result("breaks", outcome: .fail, expected: false, reason: "1 of 2 cases failed: b"),
            R.result("healed"), R.result("broken", outcome: .timeout, expected: false),
            R.result("xf", outcome: .xpass, expected: false), R.result("fresh", driver: "qemu"),
        ])
        let comparison = Baseline.compare(previous: previous, current: current)
        #expect(comparison.newFailures.map(\.key) == ["swiftvm/breaks", "swiftvm/xf"])
        #expect(comparison.newFailures[0] == BaselineComparison.Change(key: "swiftvm/breaks", previous: .pass,
                                                                        current: .fail, reason: "1 of 2 cases failed: b"))
        #expect(comparison.fixes.map(\.key) == ["swiftvm/healed"])
        #expect(comparison.stillFailing.map(\.key) == ["swiftvm/broken"])
        #expect(comparison.newTests.map(\.key) == ["qemu/fresh"])
        #expect(comparison.removedTests.map(\.key) == ["swiftvm/gone"])
        #expect(comparison.removedTests[0].current == nil && comparison.newTests[0].previous == nil)
        #expect(comparison.unchanged == 1 && comparison.hasNewFailures)
        #expect(comparison.summary
                == "baseline: 2 new failures, 1 fix, 1 still failing, 1 new test, 1 removed (1 unchanged)")
        let lines = comparison.text.split(separator: "\n").map(String.init)
        #expect(lines.first == comparison.summary)
        #expect(lines.contains("New failures (2):"))
        #expect(lines.contains("  swiftvm/breaks: pass → fail — 1 of 2 cases failed: b"))
        #expect(lines.contains("Removed tests (1):"))
        #expect(lines.contains("  swiftvm/gone: pass → — — ok"))
    }

    @Test func aShardComparedWithAFullRunSaysNotRunInsteadOfRemoved() {
        let comparison = Baseline.compare(previous: R.report([R.result("a"), R.result("b")]),
                                          current: R.report([R.result("a")], shard: "1/2"))
        #expect(comparison.currentIsIncomplete && !comparison.hasNewFailures)
        #expect(comparison.summary == "baseline: 0 new failures, 0 fixes, 0 still failing, 0 new tests, 1 not run (1 unchanged)")
        #expect(comparison.text.contains("Not in this run (1):"))
    }

    @Test func mergeJoinsShards() throws {
        let one = R.report([R.result("b"), R.result("a", driver: "qemu")], drivers: ["swiftvm", "qemu"],
                           startedAt: "2025-01-01T10:00:05Z", finishedAt: "2025-01-01T10:09:00Z", shard: "1/2")
        let two = R.report([R.result("a")], startedAt: "2025-01-01T09:59:59Z", finishedAt: "2025-01-01T10:10:00Z",
                           partial: true, shard: "2/2")
        let merged = try ReportMerge.merge([one, two])
        #expect(merged.results.map(\.key) == ["qemu/a", "swiftvm/a", "swiftvm/b"])
        #expect(merged.drivers.map(\.name) == ["swiftvm", "qemu"])
        #expect(merged.partial && merged.shard == nil)
        #expect(merged.startedAt == "2025-01-01T09:59:59Z" && merged.finishedAt == "2025-01-01T10:10:00Z")
        #expect(merged.schemaVersion == RunReport.currentSchemaVersion && merged.host == one.host)
        #expect(!(try ReportMerge.merge([one])).partial)
    }

    @Test func mergeKeepsEveryInputRunsIdentity() throws {
        func identity(_ shard: String) -> RunIdentity {
            RunIdentity(swiftvmVersion: "swiftvm 0.1.0", kitCommit: String(repeating: "a", count: 40),
                        catalog: CatalogIdentity(path: "TestGuests/suite.cfg", sha256: String(repeating: "b", count: 64)),
                        selection: RunSelection(drivers: ["swiftvm"], jobs: 2, shard: shard, tests: ["a"]),
                        workingDirectory: "/src", commandLine: ["tck", "run", "--shard", shard])
        }
        var one = R.report([R.result("a")]), two = R.report([R.result("b")])
        one.identity = identity("1/2")
        two.identity = identity("2/2")
        let merged = try ReportMerge.merge([one, two])
        #expect(merged.identity == nil)
        #expect(merged.mergedFrom == [identity("1/2"), identity("2/2")])
        // A merge of merges lists the original runs, not the intermediate merge.
        let again = try ReportMerge.merge([merged, R.report([R.result("c")])])
        #expect(again.mergedFrom == [identity("1/2"), identity("2/2")])
        #expect(try ReportMerge.merge([R.report([R.result("x")])]).mergedFrom == nil)
    }

    @Test func mergeComparesTimestampsAsDates() {
        let stamps = ["2025-01-01T10:00:00.500Z", "2025-01-01T11:00:00+02:00", "garbage"]
        #expect(ReportMerge.extreme(stamps, earliest: true) == "2025-01-01T11:00:00+02:00")
        #expect(ReportMerge.extreme(stamps, earliest: false) == "2025-01-01T10:00:00.500Z")
    }

    @Test func mergeRefusesDuplicateKeysNewerSchemasAndNothing() {
        let a = R.report([R.result("a")]), b = R.report([R.result("a")])
        #expect(throws: ReportMergeError("'swiftvm/a' is in report 1 and in report 2; merge takes each test once (shards of one run, or different drivers)")) {
            try ReportMerge.merge([a, b])
        }
        #expect(throws: ReportMergeError("report 2: schemaVersion 3 is newer than this tck understands (2); use a newer tck")) {
            try ReportMerge.merge([a, R.report([], schemaVersion: 3)])
        }
        #expect(throws: ReportMergeError("nothing to merge: no reports given")) { try ReportMerge.merge([]) }
    }

    @Test func exitCodeIsOneOnlyWhenSomethingIsUnexpected() {
        #expect(ExitCodePolicy.exitCode(for: R.report([])) == 0)
        #expect(ExitCodePolicy.exitCode(for: R.report([R.result("a"), R.result("x", outcome: .xfail)])) == 0)
        let bad = R.report([R.result("a"), R.result("b", outcome: .xpass, expected: false)])
        #expect(ExitCodePolicy.exitCode(for: bad) == 1)
        #expect(bad.unexpectedResults.map(\.test) == ["b"])
        #expect(bad.outcomeCounts == [.pass: 1, .xpass: 1])
    }
}
