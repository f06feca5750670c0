import Testing
@testable import TCK

/// swiftvm's deadlock status (123) reaches the report as a timeout with swiftvm's reason, at once.
@Suite struct DeadlockVerdictTests {
    static let line = "swiftvm: deadlock after 18 ms: nothing can wake the guest (vCPU 0 hlt with interrupts disabled at rip 0x10015a)"

    @Test func status123IsADeadlockWithSwiftVMsReason() {
        let termination = SwiftVMDriver.termination(status: 123, stderr: Self.line + "\nswiftvm: pvh entry 0x100020\n")
        #expect(termination == .deadlock(reason: "deadlock after 18 ms: nothing can wake the guest (vCPU 0 hlt with interrupts disabled at rip 0x10015a)"))
        #expect(SwiftVMDriver.termination(status: 123, stderr: "") == .deadlock(reason: "every vCPU halted with interrupts disabled"))
        #expect(SwiftVMDriver.termination(status: 124, stderr: "swiftvm: timeout: stopped by the watchdog after 2 s") == .timeout)
    }

    @Test func aDeadlockIsJudgedATimeoutThatMeetsATimeoutExpectation() {
        var entry = CatalogEntry(name: "hang", kernel: "hang", groups: [], timeoutSeconds: 2)
        entry.expectations["swiftvm"] = Expectation(outcome: .timeout)
        let run = DriverRun(termination: SwiftVMDriver.termination(status: 123, stderr: Self.line), console: Array("TCK:1 BEGIN hang\n".utf8),
                            durationSeconds: 0.08)
        let result = Judge.judge(entry: entry, driver: "swiftvm", run: run)
        #expect(result.outcome == .timeout && result.expected)
        #expect(result.reason == "would never finish: deadlock after 18 ms: nothing can wake the guest (vCPU 0 hlt with interrupts "
                + "disabled at rip 0x10015a); stopped without waiting out its 2 s (timeout expected)")
        #expect(result.exitDescription == "deadlock after 18 ms: nothing can wake the guest (vCPU 0 hlt with interrupts disabled at rip 0x10015a)")
        // Where a pass was expected, the deadlock is an unexpected timeout.
        entry.expectations["swiftvm"] = .pass
        let unexpected = Judge.judge(entry: entry, driver: "swiftvm", run: run)
        #expect(unexpected.outcome == .timeout && !unexpected.expected)
    }
}
