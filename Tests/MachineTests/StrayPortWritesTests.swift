import Testing
@testable import Machine

@Suite struct StrayPortWritesRangeTests {
    @Test func theGapsBetweenClaimedRangesCoverEveryOtherPort() {
        let gaps = StrayPortWrites.unclaimedRanges([(0x3F8, 8), (0x20, 2), (0x21, 1), (0xFFFF, 1)])
        #expect(gaps.map(\.port) == [0, 0x22, 0x400])
        #expect(gaps.map(\.length) == [0x20, 0x3F8 - 0x22, 0xFFFF - 0x400])
        #expect(StrayPortWrites.unclaimedRanges([]).map(\.length) == [0x1_0000])
    }
}

/// bench_exits writes N times to port 0x2F8, which nothing claims: KVM queues the writes instead of
/// exiting, and every one is still counted; without coalescing (or under --strict-io) each exits.
@Suite(.enabled(if: TestKernels.kvmUsable, TestKernels.kvmReason))
struct StrayPortWritesEndToEndTests {
    @Test func writesToNothingAreCoalescedAndCounted() throws {
        let coalesced = try TestKernels.boot("bench_exits") { $0.commandLine = "out=5000 in=0" }
        #expect(coalesced.status == .guestExit(code: 0))
        #expect(coalesced.unassignedAccesses >= 5000)
        #expect(coalesced.exitCount < 1000, "\(coalesced.exitCount) exits for 5000 coalesced writes")

        let exiting = try TestKernels.boot("bench_exits") {
            $0.commandLine = "out=5000 in=0"
            $0.coalescesStrayPortWrites = false
        }
        #expect(exiting.status == .guestExit(code: 0))
        #expect(exiting.unassignedAccesses == coalesced.unassignedAccesses)
        #expect(exiting.exitCount >= 5000)
    }

    @Test func readsFromNothingStillExitAndAnswerAllOnes() throws {
        let result = try TestKernels.boot("bench_exits") { $0.commandLine = "out=0 in=3000" }
        #expect(result.status == .guestExit(code: 0))
        #expect(result.exitCount >= 3000 && result.unassignedAccesses >= 3000)
    }
}
