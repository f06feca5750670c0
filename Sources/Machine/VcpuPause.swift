#if canImport(Glibc)
import Glibc
#endif
import KVM
import Synchronization

/// Pauses every vCPU at once so the watchdog can look at all of them in one consistent moment: no
/// vCPU runs guest code between the first look and the decision, so none can wake another meanwhile.
///
/// The watchdog bumps the generation and kicks each vCPU out of KVM_RUN; each vCPU thread, on its next
/// `.interrupted`, reads its own state (vCPU ioctls belong on the vCPU's thread), posts it and waits
/// until the watchdog resumes the generation, then re-arms KVM_RUN. A vCPU busy in a device handler
/// answers when it gets back; one that never answers within the wait makes the pause give up.
final class VcpuPause: Sendable {
    private let generation = Atomic<UInt64>(0)
    private let resumed = Atomic<UInt64>(0)
    /// Set by `hold` (a save request) and never cleared: the save ends the run.
    private let holding = Atomic<Bool>(false)
    /// Each vCPU's answer, tagged with the generation it answered (a late answer to an abandoned pause
    /// must not count for the next one).
    private let answers = Mutex<[(generation: UInt64, state: VcpuWakeState)?]>([])
    /// For a pause that saves the VM: what to read, and each vCPU's full state (or the ioctl that failed).
    private let capture = Mutex<VcpuState.Capture?>(nil)
    private let captured = Mutex<[Result<VcpuState, KVMError>?]>([])

    /// Watchdog side: pauses every vCPU and returns their states, or nil when one did not answer within
    /// `patience` seconds or the run stopped meanwhile. Always call `resume()` afterwards.
    func pause(_ vcpus: [VirtualCPU], latch: StopLatch, patience: Double = 0.1) -> [VcpuWakeState]? {
        capture.withLock { $0 = nil }
        return pauseAll(vcpus, latch: latch, patience: patience)
    }

    /// Watchdog side, for a save: pauses every vCPU, each of which reads its whole state on its own
    /// thread (after the KVM_RUN that completed its pending I/O). nil when one did not answer within
    /// `patience` or the run stopped; else each vCPU's state or the ioctl that failed. Always `resume()`.
    func pauseCapturing(_ vcpus: [VirtualCPU], latch: StopLatch, _ request: VcpuState.Capture,
                        patience: Double = 5) -> [Result<VcpuState, KVMError>]? {
        capture.withLock { $0 = request }
        captured.withLock { $0 = Array(repeating: nil, count: vcpus.count) }
        defer { capture.withLock { $0 = nil } }
        guard pauseAll(vcpus, latch: latch, patience: patience) != nil else { return nil }
        let results = captured.withLock { $0 }
        return results.allSatisfy { $0 != nil } ? results.compactMap { $0 } : nil
    }

    private func pauseAll(_ vcpus: [VirtualCPU], latch: StopLatch, patience: Double) -> [VcpuWakeState]? {
        answers.withLock { $0 = Array(repeating: nil, count: vcpus.count) }
        let asked = generation.add(1, ordering: .sequentiallyConsistent).newValue
        for vcpu in vcpus { vcpu.kick() }
        let deadline = monotonicSeconds() + patience
        while !latch.isStopped {
            let states = answers.withLock { answers in
                answers.allSatisfy { $0?.generation == asked } ? answers.compactMap { $0?.state } : nil
            }
            if let states { return states }
            guard monotonicSeconds() < deadline else { return nil }
            napBriefly()
        }
        return nil
    }

    /// Watchdog side: lets every paused vCPU run on.
    func resume() {
        resumed.store(generation.load(ordering: .sequentiallyConsistent), ordering: .sequentiallyConsistent)
    }

    /// Requester side of a save: from now on no vCPU that leaves KVM_RUN enters it again until the run
    /// stops (the save ends it). Set before the kicks, so a vCPU that completes the `out` asking for the
    /// save runs not one more guest instruction before the watchdog's capturing pause reaches it.
    func hold() {
        holding.store(true, ordering: .sequentiallyConsistent)
    }

    /// vCPU side: whether a pause was asked since `answered`, or a save holds the vCPUs.
    func isPending(answered: UInt64) -> Bool {
        generation.load(ordering: .sequentiallyConsistent) > answered || holding.load(ordering: .sequentiallyConsistent)
    }

    /// vCPU side, after KVM_RUN came back interrupted: answers every pause asked since `answered` (each
    /// time waiting for the resume), stays here while a save holds the vCPUs, then re-arms KVM_RUN.
    /// Returns the generation answered.
    func answer(_ vcpu: VirtualCPU, index: Int, answered: UInt64, latch: StopLatch) -> UInt64 {
        var answered = answered
        while true {
            let asked = generation.load(ordering: .sequentiallyConsistent)
            if asked > answered {
                let state = Self.wakeState(of: vcpu)
                if let request = capture.withLock({ $0 }) {
                    let result = Result { () throws(KVMError) in try VcpuState.capture(vcpu, request) }
                    captured.withLock { if $0.indices.contains(index) { $0[index] = result } }
                }
                answers.withLock { if $0.indices.contains(index) { $0[index] = (asked, state) } }
                while resumed.load(ordering: .sequentiallyConsistent) < asked && !latch.isStopped { napBriefly() }
                answered = asked
                continue
            }
            guard holding.load(ordering: .sequentiallyConsistent), !latch.isStopped else { break }
            napBriefly()
        }
        // Re-arm before the caller checks the latch: a stop after that check kicks again. The fence keeps
        // this store from passing the caller's load of the latch (x86 reorders a store with a later load).
        vcpu.rearm()
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        return answered
    }

    /// Reads what the deadlock check needs; a vCPU whose state cannot be read counts as runnable. A
    /// running vCPU, or a halted one with interrupts enabled, costs one or two ioctls: the events and the
    /// local APIC are read only for a vCPU that could be stuck.
    static func wakeState(of vcpu: VirtualCPU) -> VcpuWakeState {
        let alive = VcpuWakeState(cpu: vcpu.id, mpState: MPState.runnable, rip: 0, interruptsEnabled: true,
                                  eventPending: true, localAPICCanWake: true)
        guard let mpState = try? vcpu.mpState(), [MPState.halted, MPState.uninitialized, MPState.initReceived].contains(mpState),
              let registers = try? vcpu.registers() else { return alive }
        let interruptsEnabled = registers.rflags & (1 << 9) != 0
        guard mpState != MPState.halted || !interruptsEnabled else {
            return VcpuWakeState(cpu: vcpu.id, mpState: mpState, rip: registers.rip, interruptsEnabled: true,
                                 eventPending: false, localAPICCanWake: false)
        }
        guard let events = try? vcpu.events(), let apic = try? vcpu.localAPICPage() else { return alive }
        return VcpuWakeState(cpu: vcpu.id, mpState: mpState, rip: registers.rip, interruptsEnabled: interruptsEnabled,
                             eventPending: events.anyPending, localAPICCanWake: Deadlock.localAPICCanWake(apic))
    }
}

private func napBriefly() {
    var pause = timespec(tv_sec: 0, tv_nsec: 50_000)
    nanosleep(&pause, nil)
}
