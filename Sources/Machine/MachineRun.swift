import Devices
import KVM
import Synchronization

extension Machine {
    /// Runs the guest until it exits through the debug-exit port, a vCPU stops, or `timeout` seconds pass.
    /// A machine runs once: a stopped vCPU is left with `immediate_exit` set.
    ///
    /// `start`: the `Machine.now()` the timeout counts from; by default the start of this run. swiftvm
    /// passes its own start, so that `--timeout` bounds the whole process, set-up included.
    public func run(timeout: Double, countingFrom start: Double? = nil) -> RunResult {
        VirtualCPU.installKickHandler()
        let runStart = monotonicSeconds()
        let dispatcher = ExitDispatcher(bus: bus, strictIO: configuration.strictIO, msrs: configuration.machineType.msrs,
                                        mmio: virtioBlock.map { [$0] } ?? [],
                                        kernelEntryPort: kernelEntry == nil ? nil : KernelEntryGate.port)
        virtioBlock?.start()
        defer { virtioBlock?.stop() }
        let exits = ExitCounter(cpus: vcpus.count)
        var threads: [HostThread] = []
        if latch.isStopped {
            latch.stop(.vmmFailure(cpu: 0, "this machine has already run"))
        }
        let loops = vcpus.enumerated().map { index, vcpu in
            VcpuLoop(vcpu: vcpu, index: index, dispatcher: dispatcher, latch: latch, exits: exits.perCPU[index], pause: pause,
                     coalescedPortWrites: coalescedPortWrites, kernelEntry: kernelEntry)
        }
        // vCPU 0 runs on this thread and the watchdog on one of its own, which is never waited for: when the
        // guest ends the run, nothing stands between its last exit and the result (no thread hand-off,
        // each a scheduling delay on a busy host). The watchdog returns on its own once the latch is stopped.
        // Its thread is the one that asked KVM for its CPUID, when there was one: no thread start here.
        let watchdog = Watchdog(latch: latch, vcpus: vcpus, vm: vm, virtioBlock: virtioBlock, pause: pause, exits: exits,
                                saveRequests: saveRequests, save: saver)
        let since = min(start ?? runStart, runStart)
        let watch: @Sendable () -> Void = { watchdog.watch(timeout: timeout, since: since) }
        if spareThread?.run(watch) != true {
            do { try HostThread(watch).detach() } catch {
                latch.stop(.vmmFailure(cpu: 0, "no watchdog thread: \(error.description)"))
            }
        }
        for loop in loops.dropFirst() where !latch.isStopped {
            do {
                threads.append(try HostThread { loop.run() })
            } catch {
                latch.stop(.vmmFailure(cpu: loop.vcpu.id, error.description))
            }
        }
        if !latch.isStopped { loops[0].run() }
        for thread in threads { thread.join() }
        coalescedPortWrites?.drainIfPending()
        let runEnd = monotonicSeconds()
        return RunResult(status: latch.status ?? .vmmFailure(cpu: 0, "run ended without a status"),
                         snapshot: latch.snapshot, console: console.bytes,
                         consoleBytesDropped: console.droppedByteCount, exitCount: exits.value,
                         unassignedAccesses: dispatcher.unassignedAccesses, refusedMSRAccesses: dispatcher.refusedMSRAccesses,
                         setupSeconds: runStart - createdAt, runSeconds: runEnd - runStart)
    }
}

extension Machine {
    /// One line per device worth a word in `swiftvm run -v` (the virtio disk, the kernel-entry port); built
    /// on request, not with every run's result (its string formatting is start-up time for nothing).
    public var deviceSummaries: [String] {
        (virtioBlock.map { [$0.summary] } ?? []) + (kernelEntry.map { [$0.summary] } ?? [])
    }

    /// CLOCK_MONOTONIC in seconds: the clock of `run(timeout:countingFrom:)`.
    public static func now() -> Double { monotonicSeconds() }
}

/// Ends a run at its timeout, or as soon as a look finds a deadlock.
struct Watchdog: Sendable {
    let latch: StopLatch
    let vcpus: [VirtualCPU]
    let vm: VirtualMachine
    let virtioBlock: VirtioPCIAttachment?
    let pause: VcpuPause
    /// A vCPU that exited to userspace since the last look was running then: the look is skipped (it
    /// would pause every vCPU for nothing) and the next one decides, at most one interval later.
    let exits: ExitCounter
    let saveRequests: SaveRequests
    /// How to save the machine; nil when saves go nowhere (no --snapshot).
    let save: MachineSave?

    /// The first look for a deadlock, and the longest gap between two: the looks start soon after boot
    /// and thin out (each pauses every vCPU for a few ioctls, ~0.1 ms here).
    static let deadlockFirstLook = 0.005
    static let deadlockLookInterval = 0.05

    /// Waits for the run to stop; stops it at `timeout`, or as soon as a look finds a deadlock.
    ///
    /// The timeout counts from `start` (swiftvm's own start), the looks from now: a look due before the
    /// guest ran at all would pause a vCPU that is only starting (a kick, a wait, ~0.2 ms of a short run).
    func watch(timeout: Double, since start: Double) {
        let deadline = start + timeout
        var interval = Self.deadlockFirstLook
        var nextLook = monotonicSeconds() + interval
        var exitsSeen: UInt64 = 0
        while true {
            let now = monotonicSeconds()
            switch latch.waitForEvent(timeout: min(deadline, nextLook) - now) {
            case .stopped:
                return
            case .nudged:
                if let source = saveRequests.take(), let save {
                    // The save ends the run, successful or not; the vCPUs leave their pause once it is stopped.
                    if let status = save.save(source: source, latch: latch, pause: pause) { latch.stop(status) }
                    pause.resume()
                    return
                }
                continue
            case .timedOut:
                break
            }
            let woke = monotonicSeconds()
            if woke >= deadline {
                latch.stop(.timeout(seconds: timeout))
                return
            }
            let exitCount = exits.value
            if exitCount != exitsSeen {
                exitsSeen = exitCount
            } else if let stuck = lookForDeadlock() {
                latch.stop(.deadlock(seconds: monotonicSeconds() - start, cpus: stuck))
                return
            } else {
                exitsSeen = exits.value     // the look's own kicks count as exits: not the guest's
            }
            interval = min(interval * 2, Self.deadlockLookInterval)
            nextLook = monotonicSeconds() + interval
        }
    }

    /// Pauses every vCPU, asks the interrupt controllers and devices, and decides (`Deadlock.verdict`).
    private func lookForDeadlock() -> [StuckCPU]? {
        defer { pause.resume() }
        guard let states = pause.pause(vcpus, latch: latch) else { return nil }
        let ioapicCanWake = (try? vm.ioapicRedirectionTable())?.contains(where: Deadlock.ioapicEntryCanWake) ?? true
        // A live virtio device completes requests on its own thread and may signal an MSI asking for an NMI.
        let deviceCanWake = virtioBlock?.transport.deviceStatus.contains(.driverOK) ?? false
        return Deadlock.verdict(states, ioapicCanWake: ioapicCanWake, deviceCanWake: deviceCanWake)
    }
}

/// Exits to userspace, one count per vCPU, each written by that vCPU's thread alone: a relaxed store
/// of the loop's own total, not a locked read-modify-write on every exit. Readers (the watchdog, the
/// result) sum them.
final class ExitCounter: Sendable {
    final class Single: Sendable {
        private let count = Atomic<UInt64>(0)
        /// Only from the thread that owns this count: a plain load and store, no locked read-modify-write.
        func increment() { count.store(count.load(ordering: .relaxed) &+ 1, ordering: .relaxed) }
        var value: UInt64 { count.load(ordering: .relaxed) }
    }

    let perCPU: [Single]

    init(cpus: Int) { perCPU = (0..<cpus).map { _ in Single() } }

    var value: UInt64 { perCPU.reduce(0) { $0 &+ $1.value } }
}

/// One vCPU's thread: KVM_RUN, dispatch, repeat, until the run is over.
struct VcpuLoop {
    let vcpu: VirtualCPU
    let index: Int
    let dispatcher: ExitDispatcher
    let latch: StopLatch
    let exits: ExitCounter.Single
    let pause: VcpuPause
    let coalescedPortWrites: CoalescedPortWrites?
    let kernelEntry: KernelEntryGate?

    func run() {
        vcpu.bindToCurrentThread()
        var pausesAnswered: UInt64 = 0
        let ports = VcpuPortAnswers(dispatcher: dispatcher, exits: exits, coalescedPortWrites: coalescedPortWrites)
        // The latch is read only when KVM_RUN was interrupted, not after every exit: a stop always kicks
        // every vCPU (StopLatch), and a kick makes the next KVM_RUN return at once (`immediate_exit`).
        guard !latch.isStopped else { return }
        while true {
            do {
                // Single-element port accesses are answered inside `run(answering:)`; what comes out
                // is everything else, and the port accesses `ports` leaves to `handle`.
                let exit = try vcpu.run(answering: ports)
                // Only an `in` has an answer buffer: the other exits skip reading kvm_run for it.
                var ioAnswer = UnsafeMutableRawBufferPointer(start: nil, count: 0)
                if case .ioIn = exit { ioAnswer = vcpu.ioInBuffer }
                switch dispatcher.handle(exit, cpu: vcpu.id, ioAnswer: ioAnswer) {
                case .resume, .answeredIO:
                    continue
                case .checkStop:
                    // Kicked: by a stop (the loop ends) or by the watchdog pausing every vCPU to look.
                    pausesAnswered = pause.answer(vcpu, index: index, answered: pausesAnswered, latch: latch)
                    if latch.isStopped { return }
                case let .enterKernel(descriptor):
                    try kernelEntry?.enter(vcpu, descriptorAt: descriptor)
                    // Completing the `out` took a KVM_RUN: a pause or stop kick that came meanwhile may
                    // have been spent on it, so look again.
                    if pause.isPending(answered: pausesAnswered) || latch.isStopped { vcpu.kick() }
                case let .answerMMIO(value):
                    vcpu.completeMMIORead(value: value)
                case let .answerMSRRead(value):
                    vcpu.completeMSRRead(value)
                case let .answerMSRWrite(accepted):
                    vcpu.completeMSRWrite(accepted: accepted)
                case let .stop(status):
                    latch.stop(status, snapshot: snapshot(for: status))
                    return
                }
            } catch {
                latch.stop(.vmmFailure(cpu: vcpu.id, error.description), snapshot: nil)
                return
            }
        }
    }

    /// Registers are worth keeping when the guest did something wrong, not when it exited or timed out.
    private func snapshot(for status: RunStatus) -> CPUSnapshot? {
        switch status {
        case .shutdown, .internalError, .failEntry, .unassignedAccess, .systemEvent, .halted:
            guard let registers = try? vcpu.registers(), let special = try? vcpu.specialRegisters() else { return nil }
            return CPUSnapshot(cpu: vcpu.id, registers: registers, specialRegisters: special)
        default:
            return nil
        }
    }
}

extension Machine {
    /// How this machine saves itself, when it has somewhere to save to.
    var saver: MachineSave? {
        guard let path = configuration.snapshotPath else { return nil }
        return MachineSave(path: path, configuration: configuration, bootProtocol: bootProtocol, layout: layout, memory: memory,
                           vm: vm, vcpus: vcpus, devices: devices, virtioBlock: virtioBlock,
                           coalescedPortWrites: coalescedPortWrites, xsave: xsave)
    }

    /// Asks the running machine to save itself to `configuration.snapshotPath` and end the run (`.saved`).
    /// From any thread; returns at once. Refused without a snapshot path or once the run is stopping.
    public func requestSave(_ source: SaveSource) -> Result<Void, SaveRefusal> {
        saveRequests.request(source)
    }

    /// Waits up to `timeout` seconds for the run to end; its status, or nil if it is still running.
    public func waitForEnd(timeout: Double) -> RunStatus? {
        latch.wait(timeout: timeout) ? latch.status : nil
    }
}
