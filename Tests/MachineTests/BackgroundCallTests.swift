import CProcess
import Foundation
import KVM
import Synchronization
import Testing
@testable import Machine

/// `BackgroundCall`: the work runs once, really beside its caller, what it wrote is there after `wait()`,
/// and the caller's CPU mask is what it was once the work is done with.
@Suite struct BackgroundCallTests {
    @Test func whatTheWorkWroteIsThereAfterWaitingAsOftenAsAsked() {
        let written = Written<[Int]>(), runs = Atomic<Int>(0)
        let call = BackgroundCall {
            runs.add(1, ordering: .relaxed)
            written.value = [1, 2, 3]
        }
        call.wait()
        #expect(written.value == [1, 2, 3])
        call.wait()
        #expect(written.value == [1, 2, 3] && runs.load(ordering: .relaxed) == 1, "the work runs once")
    }

    @Test func runsOnAnotherThreadAndCPUWhileTheCallerKeepsItsOwn() throws {
        let before = try allowedCPUs()
        let caller = pthread_self()
        let inside = Written<(thread: pthread_t, cpus: [Int])>()
        let call = BackgroundCall(onlyOnAnIdleCPU: false) { inside.value = (pthread_self(), (try? allowedCPUs()) ?? []) }
        guard before.count > 1 else {
            // One CPU: nothing could overlap, so the work ran at once, here.
            #expect(inside.value?.thread == caller)
            return
        }
        let pinned = try allowedCPUs()
        #expect(pinned.count == 1 && before.contains(pinned[0]), "the caller keeps one of its CPUs until it waits")
        call.wait()
        let seen = try #require(inside.value)
        #expect(seen.thread != caller)
        #expect(!seen.cpus.contains(pinned[0]) && Set(seen.cpus).isSubset(of: before), "the work gets every other CPU")
        #expect(try allowedCPUs() == before, "waiting gives the caller its CPUs back")
    }

    @Test func withEveryCPUBusyTheWorkRunsOnTheCallersThread() throws {
        let cpus = try allowedCPUs().count
        let stop = Atomic<Bool>(false), spinning = Atomic<Int>(0)
        var spinners: [HostThread] = []
        defer {
            stop.store(true, ordering: .relaxed)
            for spinner in spinners { spinner.join() }
        }
        for _ in 0..<cpus {
            spinners.append(try HostThread {
                spinning.add(1, ordering: .relaxed)
                while !stop.load(ordering: .relaxed) {}
            })
        }
        while spinning.load(ordering: .relaxed) < cpus { sched_yield() }
        #expect(cprocess_idle_cpu_exists() == 0, "\(cpus) spinning threads and this one leave no CPU idle")
        let caller = pthread_self()
        let ranOn = Written<pthread_t>()
        let call = BackgroundCall { ranOn.value = pthread_self() }
        #expect(ranOn.value == caller, "done before the initializer returned")
        #expect(call.takeThread() == nil, "no thread to keep")
    }

    @Test func aCallerThatNeverWaitsGetsItsCPUsBackWhenTheCallIsDropped() throws {
        let before = try allowedCPUs()
        do { _ = BackgroundCall(onlyOnAnIdleCPU: false) {} }
        #expect(try allowedCPUs() == before)
    }
}

/// What a background call's work wrote, for the test to read after `wait()` (which orders the two).
final class Written<Value>: @unchecked Sendable {
    var value: Value?
}

/// `HostKVM`: the background query answers what KVMSystem answers; a /dev/kvm that does not open is
/// kept until asked, so that a machine still reports its bad input first.
@Suite struct HostKVMTests {
    @Test(.enabled(if: TestKernels.kvmUsable, TestKernels.kvmReason))
    func supportedCPUIDIsWhatKVMReports() throws {
        let host = HostKVM()
        #expect(try withoutAPICIDs(host.supportedCPUID()) == withoutAPICIDs(KVMSystem().supportedCPUID()))
    }

    /// KVM_GET_SUPPORTED_CPUID passes through the initial APIC ID of the CPU that ran it (leaf 1
    /// EBX[31:24], leaves 0xB and 0x1F EDX), and the query runs on another CPU than this test. No
    /// feature lives there, and `CPUModel.check` reads only features.
    private func withoutAPICIDs(_ entries: [CPUIDEntry]) -> [CPUIDEntry] {
        entries.map { entry in
            var entry = entry
            if entry.function == 1 { entry.ebx &= 0x00FF_FFFF }
            if entry.function == 0xB || entry.function == 0x1F { entry.edx = 0 }
            return entry
        }
    }

    @Test func aMissingDeviceIsAnOpenErrorWhenAskedFor() {
        let host = HostKVM(path: "/nonexistent/kvm")
        #expect(throws: KVMError.open(path: "/nonexistent/kvm", errno: ENOENT)) { try host.supportedCPUID() }
    }

    @Test func badInputIsReportedBeforeAMissingDevice() throws {
        let notELF = try TestKernels.temporaryFile(Array("this is not an ELF file".utf8))
        defer { try? FileManager.default.removeItem(atPath: notELF) }
        var tooManyCPUs = MachineConfiguration(kernelPath: try TestKernels.path("hello"))
        tooManyCPUs.cpus = 256
        for (configuration, expected) in [(MachineConfiguration(kernelPath: notELF), "ELF"), (tooManyCPUs, "vCPU count")] {
            do {
                _ = try Machine(configuration, host: HostKVM(path: "/nonexistent/kvm"))
                Issue.record("a machine was built despite its bad \(expected)")
            } catch {
                switch error {
                case .elf where expected == "ELF", .badCPUCount(256, maximum: 255) where expected == "vCPU count": break
                default: Issue.record("expected the \(expected) error before the missing /dev/kvm, got: \(error)")
                }
            }
        }
    }
}

/// This thread's CPUs, from /proc (Cpus_allowed_list, e.g. "0-1,4").
func allowedCPUs() throws -> [Int] {
    let status = try String(contentsOfFile: "/proc/thread-self/status", encoding: .utf8)
    guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else { return [] }
    return line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces).split(separator: ",").flatMap { part in
        let bounds = part.split(separator: "-").compactMap { Int($0) }
        return bounds.count == 2 ? Array(bounds[0]...bounds[1]) : bounds
    }
}
