import Testing
import TCK

@Suite struct JudgeTests {
    let entry = CatalogEntry(name: "fail-test", kernel: "fail", groups: ["smoke"], timeoutSeconds: 10)

    func judge(_ termination: DriverRun.Termination, _ console: [UInt8] = [], expect: TCK.Expectation = .pass,
               driver: String = "swiftvm", dropped: UInt64 = 0) -> TestResult {
        var entry = entry
        entry.expectations[driver] = expect
        let run = DriverRun(termination: termination, console: console, consoleBytesDropped: dropped,
                            durationSeconds: 0.5, diagnostics: "regs", commandLine: ["swiftvm", "run"])
        return Judge.judge(entry: entry, driver: driver, run: run)
    }

    @Test func aCompletePassingReportPasses() {
        let result = judge(.guestExit(code: 0), Fixtures.bytes(Fixtures.helloTranscript))
        #expect(result.outcome == .pass && result.expected)
        #expect(result.reason == "3 of 4 cases passed, 1 skipped")
        #expect(result.cases.count == 4 && result.data.count == 7 && result.protocolErrors.isEmpty)
        #expect(result.exitDescription == "guest exit 0")
        #expect(result.key == "swiftvm/fail-test" && result.kernel == "fail" && result.groups == ["smoke"])
        #expect(result.durationSeconds == 0.5 && result.diagnostics == "regs" && result.commandLine == ["swiftvm", "run"])
        #expect(judge(.guestExit(code: 0), Fixtures.transcript(cases: [("PASS", "a"), ("PASS", "b")])).reason
                == "all 2 cases passed")
    }

    @Test func aFailingCaseFails() {
        let result = judge(.guestExit(code: 1), Fixtures.bytes(Fixtures.failTranscript))
        #expect(result.outcome == .fail && !result.expected)
        #expect(result.reason == "1 of 2 cases failed: fail.expected_fail")
        #expect(result.exitDescription == "guest exit 1")
    }

    @Test func exitCodeAndCasesThatDisagreeFail() {
        let failedButZero = judge(.guestExit(code: 0), Fixtures.transcript(cases: [("FAIL", "a"), ("FAIL", "b"), ("PASS", "c")]))
        #expect(failedButZero.outcome == .fail)
        #expect(failedButZero.reason == "2 of 3 cases failed: a, b, yet the guest exited 0")
        let nonZeroNoFail = judge(.guestExit(code: 3), Fixtures.transcript(cases: [("PASS", "a")]))
        #expect(nonZeroNoFail.outcome == .fail)
        #expect(nonZeroNoFail.reason == "the guest exited 3 although no case failed")
    }

    @Test func manyFailuresAreListedShort() {
        let cases = (1...8).map { ("FAIL", "c\($0)") }
        let result = judge(.guestExit(code: 1), Fixtures.transcript(cases: cases))
        #expect(result.reason == "8 of 8 cases failed: c1, c2, c3, c4, c5 and 3 more")
    }

    @Test func unjudgeableReportsAreErrors() {
        let noBegin = judge(.guestExit(code: 0), Fixtures.bytes("hello\n"))
        #expect(noBegin.outcome == .error && !noBegin.expected)
        #expect(noBegin.reason == "no BEGIN line: the kernel never started reporting (guest exit 0)")
        let noEnd = judge(.guestExit(code: 0), Fixtures.bytes("TCK:1 BEGIN fail\nTCK:1 CASE PASS x\n"))
        #expect(noEnd.outcome == .error)
        #expect(noEnd.reason == "no END line: the kernel stopped reporting after case 'x'")
        #expect(noEnd.protocolErrors.count == 1)
        let mismatch = judge(.guestExit(code: 0), Fixtures.transcript(cases: [("PASS", "a")], end: "TCK:1 END pass=2 fail=0 skip=0"))
        #expect(mismatch.outcome == .error)
        #expect(mismatch.reason == "END says pass=2 fail=0 skip=0 but the kernel reported pass=1 fail=0 skip=0 in CASE lines")
    }

    @Test func allSkippedSkipsAndIsExpected() {
        let console = Fixtures.bytes("TCK:1 BEGIN k\nTCK:1 CASE SKIP smp.x :: one CPU\nTCK:1 END pass=0 fail=0 skip=1\n")
        let result = judge(.guestExit(code: 0), console)
        #expect(result.outcome == .skip && result.expected)
        #expect(result.reason == "the only case was skipped (smp.x: one CPU)")
        // BEGIN and END with no case between them checked nothing: an error, not a pass or a skip.
        let empty = judge(.guestExit(code: 0), Fixtures.transcript(cases: []))
        #expect(empty.outcome == .error && !empty.expected)
        #expect(empty.reason == "the kernel reported no cases: nothing was checked (guest exit 0)")
    }

    @Test func terminationsMapToOutcomes() {
        let timeout = judge(.timeout, Fixtures.bytes("TCK:1 BEGIN hang\nTCK:1 CASE PASS started\n"))
        #expect(timeout.outcome == .timeout && !timeout.expected)
        #expect(timeout.reason == "did not finish within 10 s (last case reported: 'started')")
        #expect(timeout.exitDescription == "timeout")
        let crash = judge(.guestCrash(reason: "triple fault"))
        #expect(crash.outcome == .crash && crash.reason == "triple fault" && crash.exitDescription == "crash: triple fault")
        let vmm = judge(.vmmFailure(reason: "qemu-system-x86_64 not found"))
        #expect(vmm.outcome == .error && vmm.reason == "the VMM failed: qemu-system-x86_64 not found")
        #expect(vmm.exitDescription == "VMM failure: qemu-system-x86_64 not found")
    }

    @Test func xfailTurnsFailIntoAnExpectedXfail() {
        let xfail = TCK.Expectation(outcome: .xfail, reason: "APIC ids not unique on TCG", link: "https://example.org/1")
        let result = judge(.guestExit(code: 1), Fixtures.bytes(Fixtures.failTranscript), expect: xfail)
        #expect(result.outcome == .xfail && result.expected && result.expectation == xfail)
        #expect(result.reason == "expected to fail: APIC ids not unique on TCG (1 of 2 cases failed: fail.expected_fail)")
    }

    @Test func xfailThatPassesIsAnUnexpectedXpass() {
        let xfail = TCK.Expectation(outcome: .xfail, reason: "bug 12")
        let result = judge(.guestExit(code: 0), Fixtures.bytes(Fixtures.helloTranscript), expect: xfail)
        #expect(result.outcome == .xpass && !result.expected)
        #expect(result.reason.hasPrefix("passed although expected to fail: bug 12; the xfail entry is stale"))
        let crashed = judge(.guestCrash(reason: "triple fault"), expect: xfail)
        #expect(crashed.outcome == .crash && !crashed.expected)
    }

    @Test func expectedCrashAndTimeoutAreMetOnlyByThatOutcome() {
        let crash = TCK.Expectation(outcome: .crash, reason: "loads a zero-limit IDT")
        let met = judge(.guestCrash(reason: "triple fault"), expect: crash)
        #expect(met.outcome == .crash && met.expected)
        #expect(met.reason == "triple fault (crash expected: loads a zero-limit IDT)")
        let unmet = judge(.guestExit(code: 0), Fixtures.transcript(cases: [("PASS", "a")]), expect: crash)
        #expect(unmet.outcome == .pass && !unmet.expected)
        #expect(unmet.reason == "expected crash: loads a zero-limit IDT, got pass: 1 case passed")
        let timeout = TCK.Expectation(outcome: .timeout)
        #expect(judge(.timeout, expect: timeout).expected)
        #expect(!judge(.guestCrash(reason: "reset"), expect: timeout).expected)
    }

    @Test func expectationIsPerDriver() {
        var entry = entry
        entry.expectations["qemu"] = TCK.Expectation(outcome: .xfail, reason: "TCG")
        let run = DriverRun(termination: .guestExit(code: 1), console: Fixtures.bytes(Fixtures.failTranscript),
                            durationSeconds: 1)
        #expect(Judge.judge(entry: entry, driver: "qemu", run: run).outcome == .xfail)
        #expect(Judge.judge(entry: entry, driver: "swiftvm", run: run).outcome == .fail)
    }

    @Test func consoleIsKeptWithInvalidUTF8ReplacedAndTruncationFlagged() {
        let console = Fixtures.bytes("TCK:1 BEGIN k\n") + [0xFF, 0x0A]
        let result = judge(.timeout, console, dropped: 1234)
        #expect(result.console == "TCK:1 BEGIN k\n\u{FFFD}\n")
        #expect(result.consoleTruncated)
        #expect(!judge(.timeout, console).consoleTruncated)
    }
}
