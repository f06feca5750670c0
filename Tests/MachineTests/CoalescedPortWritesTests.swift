import Testing
@testable import Machine

@Suite struct CoalescedPortWritesRangeTests {
    @Test func theGapsBetweenClaimedRangesCoverEveryOtherPort() {
        let gaps = CoalescedPortWrites.unclaimedRanges([(0x3F8, 8), (0x20, 2), (0x21, 1), (0xFFFF, 1)])
        #expect(gaps.map(\.port) == [0, 0x22, 0x400])
        #expect(gaps.map(\.length) == [0x20, 0x3F8 - 0x22, 0xFFFF - 0x400])
        #expect(CoalescedPortWrites.unclaimedRanges([]).map(\.length) == [0x1_0000])
    }
}

/// bench_exits writes N times to port 0x2F8, which nothing claims: KVM queues the writes instead of
/// exiting, and every one is still counted; without coalescing (or under --strict-io) each exits. The
/// PCI and CMOS index latches are queued too and applied before the data port's exit: conf_pci and
/// conf_rtc, which read config space and CMOS register by register, pass either way with fewer exits.
@Suite(.enabled(if: TestKernels.kvmUsable, TestKernels.kvmReason))
struct CoalescedPortWritesEndToEndTests {
    @Test func writesToNothingAreCoalescedAndCounted() throws {
        let coalesced = try TestKernels.boot("bench_exits") { $0.commandLine = "out=5000 in=0" }
        #expect(coalesced.status == .guestExit(code: 0))
        #expect(coalesced.unassignedAccesses >= 5000)
        #expect(coalesced.exitCount < 1000, "\(coalesced.exitCount) exits for 5000 coalesced writes")

        let exiting = try TestKernels.boot("bench_exits") {
            $0.commandLine = "out=5000 in=0"
            $0.coalescesPortWrites = false
        }
        #expect(exiting.status == .guestExit(code: 0))
        #expect(exiting.unassignedAccesses == coalesced.unassignedAccesses)
        #expect(exiting.exitCount >= 5000)
    }

    @Test(arguments: ["conf_pci", "conf_rtc"])
    func indexLatchesAreAppliedBeforeTheDataPortIsRead(kernel: String) throws {
        let coalesced = try TestKernels.boot(kernel)
        let exiting = try TestKernels.boot(kernel) { $0.coalescesPortWrites = false }
        #expect(coalesced.status == .guestExit(code: 0), "\(coalesced.text)")
        #expect(exiting.status == .guestExit(code: 0))
        #expect(!coalesced.text.contains("CASE FAIL"))
        if kernel == "conf_pci" {
            #expect(Double(coalesced.exitCount) < 0.7 * Double(exiting.exitCount), "\(coalesced.exitCount) vs \(exiting.exitCount) exits")
        }
    }

    @Test func strictIOStillStopsAtTheFirstWriteToNothing() throws {
        let result = try TestKernels.boot("bench_exits") {
            $0.commandLine = "out=10 in=0"
            $0.strictIO = true
        }
        guard case let .unassignedAccess(_, access) = result.status else {
            Issue.record("expected a stop at the first stray write, got \(result.status.summary)")
            return
        }
        #expect(access.isWrite && access.address == 0x2F8)
    }

    @Test func readsFromNothingStillExitAndAnswerAllOnes() throws {
        let result = try TestKernels.boot("bench_exits") { $0.commandLine = "out=0 in=3000" }
        #expect(result.status == .guestExit(code: 0))
        #expect(result.exitCount >= 3000 && result.unassignedAccesses >= 3000)
    }
}
