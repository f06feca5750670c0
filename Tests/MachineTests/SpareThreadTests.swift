#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import Testing
import KVM
@testable import Machine

/// `SpareThread`: the thread a `BackgroundCall` ran on runs one more piece of work, with every CPU back,
/// and ends when nobody hands it any.
@Suite struct SpareThreadTests {
    /// A call that has run, the thread it ran on (pthread and kernel tid), and whether that was this one.
    private func backgroundCall() throws -> (call: BackgroundCall, thread: pthread_t, tid: pid_t, ranHere: Bool) {
        let ranOn = Written<(thread: pthread_t, tid: pid_t)>()
        let call = BackgroundCall(onlyOnAnIdleCPU: false) { ranOn.value = (pthread_self(), Self.threadID()) }
        call.wait()
        let seen = try #require(ranOn.value)
        return (call, seen.thread, seen.tid, pthread_equal(seen.thread, pthread_self()) != 0)
    }

    @Test func theHandedWorkRunsOnTheCallsThreadWithEveryCPUBack() throws {
        let before = try allowedCPUs()
        let (call, callThread, _, ranHere) = try backgroundCall()
        guard !ranHere else {
            #expect(before.count == 1, "with \(before.count) CPUs the call runs on a thread of its own")
            #expect(call.takeThread() == nil, "a call that ran on its caller's thread leaves none to hand on")
            return
        }
        let thread = try #require(call.takeThread())
        #expect(call.takeThread() == nil, "the thread is handed out once")
        let seen = Mutex<(thread: pthread_t, cpus: [Int])?>(nil)
        let ran = DispatchSemaphore(value: 0)
        #expect(thread.run {
            seen.withLock { $0 = (pthread_self(), (try? allowedCPUs()) ?? []) }
            ran.signal()
        })
        #expect(ran.wait(timeout: .now() + 5) == .success, "the handed work ran")
        let inside = try #require(seen.withLock { $0 })
        #expect(pthread_equal(inside.thread, callThread) != 0, "on the thread that ran the call")
        #expect(inside.cpus == before, "with the CPUs the process had, not the split's")
        #expect(!thread.run {}, "one piece of work per thread")
    }

    @Test func noThreadBeforeTheCallHasAnswered() {
        let started = DispatchSemaphore(value: 0), proceed = DispatchSemaphore(value: 0)
        let call = BackgroundCall(onlyOnAnIdleCPU: false) {
            started.signal()
            proceed.wait()
        }
        if (try? allowedCPUs().count) ?? 1 > 1 { _ = started.wait(timeout: .now() + 5) }
        #expect(call.takeThread() == nil, "the thread is still busy with the call")
        proceed.signal()
        call.wait()
    }

    @Test func anUntakenThreadEndsWithTheCall() throws {
        var tid: pid_t = 0
        do {
            let (_, _, callTID, ranHere) = try backgroundCall()
            guard !ranHere else { return }
            tid = callTID
        }
        try expectEnds(tid)
    }

    @Test func aTakenThreadNobodyHandsWorkEndsWithItsHandle() throws {
        let (call, _, tid, ranHere) = try backgroundCall()
        guard !ranHere else { return }
        do { _ = try #require(call.takeThread()) }
        try expectEnds(tid)
    }

    @Test func aThreadEndsWhenItsWorkReturns() throws {
        let (call, _, tid, ranHere) = try backgroundCall()
        guard !ranHere else { return }
        let thread = try #require(call.takeThread())
        #expect(thread.run {})
        try expectEnds(tid)
    }

    /// The calling thread's kernel id, from /proc/thread-self ("<pid>/task/<tid>").
    private static func threadID() -> pid_t {
        let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")) ?? ""
        return pid_t(link.split(separator: "/").last ?? "") ?? 0
    }

    /// The thread `tid` of this process is gone within 5 s.
    private func expectEnds(_ tid: pid_t) throws {
        #expect(tid > 0)
        let deadline = Date().addingTimeInterval(5)
        while FileManager.default.fileExists(atPath: "/proc/self/task/\(tid)"), Date() < deadline { usleep(1_000) }
        #expect(!FileManager.default.fileExists(atPath: "/proc/self/task/\(tid)"), "thread \(tid) still runs")
    }
}

/// The watchdog on the query's thread (`Machine.run`): it still ends a busy loop at its timeout and finds
/// a deadlock at once.
@Suite(.enabled(if: TestKernels.kvmUsable, TestKernels.kvmReason))
struct WatchdogOnSpareThreadTests {
    @Test(arguments: ["spin", ""])
    func theQuerysThreadWatchesTheRun(commandLine: String) throws {
        guard try allowedCPUs().count > 1 else { return }   // one CPU: the query runs inline, no thread to keep
        var configuration = MachineConfiguration(kernelPath: try TestKernels.path("hang"))
        configuration.testdev = true
        configuration.commandLine = commandLine
        let machine = try Machine(configuration, host: HostKVM(path: KVMSystem.defaultPath, queryOnlyOnAnIdleCPU: false))
        let spare = try #require(machine.spareThread, "the query ran on a thread of its own, kept for the watchdog")
        let started = Machine.now()
        let result = machine.run(timeout: 0.4)
        #expect(spare.handedWork, "the watchdog ran on it")
        if commandLine == "spin" {
            #expect(result.status == .timeout(seconds: 0.4))
            // The shape of the verdict, with TimeoutCostTests' slack: the tight figure is `make bench`'s.
            #expect(Machine.now() - started < 0.4 + 0.25, "the verdict soon after the timeout")
        } else {
            // A deadlock verdict, not a timeout: found before the watchdog's deadline.
            guard case .deadlock = result.status else {
                Issue.record("expected a deadlock, got \(result.status.summary)")
                return
            }
        }
    }
}
