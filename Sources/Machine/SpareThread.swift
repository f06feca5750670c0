import CProcess
import Synchronization

/// The thread a `BackgroundCall` ran on, kept once its call returned: it runs one more piece of work
/// handed to it (`run(_:)`), or ends when this handle goes away unused.
///
/// Work that needs a thread of its own anyway (the watchdog) then costs no thread start on its caller's
/// path: pthread_create is ~0.1 ms there, and on this kind of host a new thread also takes its first
/// slice on its creator's CPU, beside a vCPU that has just entered the guest. (A build with no watchdog
/// thread at all ran hello ~0.25 ms faster; this saving alone was within the host's noise:
/// benchmarks/README.md, "Ninth pass".)
final class SpareThread: Sendable {
    private let parking: Parking
    private let handedOut = Atomic<Bool>(false)

    fileprivate init(_ parking: Parking) { self.parking = parking }

    deinit {
        if !handedOut.load(ordering: .relaxed) { parking.release() }
    }

    /// Runs `work` on the thread, which first gets back every CPU the process had; it ends when `work`
    /// returns and is never joined. False, and `work` is not run, if the thread was handed work before.
    func run(_ work: @escaping @Sendable () -> Void) -> Bool {
        guard !handedOut.exchange(true, ordering: .relaxed) else { return false }
        parking.hand(work)
        return true
    }

    /// Whether `run(_:)` handed the thread its work.
    var handedWork: Bool { handedOut.load(ordering: .relaxed) }

    /// Starts a parked thread that runs `first`, then waits for `run(_:)` or the handle's end.
    /// `attributes` and `cpus` as for `HostThread(attributes:)`; `cpus`: the CPUs it gets for later work.
    static func start(attributes: inout pthread_attr_t, cpus: cprocess_cpu_mask,
                      first: @escaping @Sendable () -> Void) throws(MachineError) -> SpareThread {
        let parking = Parking(cpus: cpus)
        try HostThread(attributes: &attributes) {
            first()
            parking.waitForWork()
        }.detach()
        return SpareThread(parking)
    }
}

/// What the parked thread and its handle share. The handle writes `work` before posting `wake`; the
/// thread reads it only after waiting for it: the semaphore orders the two.
private final class Parking: @unchecked Sendable {
    private var work: (@Sendable () -> Void)?
    private let wake = Semaphore()
    private var cpus: cprocess_cpu_mask

    init(cpus: cprocess_cpu_mask) { self.cpus = cpus }

    func hand(_ work: @escaping @Sendable () -> Void) {
        self.work = work
        wake.post()
    }

    func release() { wake.post() }

    /// On the parked thread.
    func waitForWork() {
        wake.wait()
        guard let work else { return }
        _ = cprocess_restore_affinity(0, &cpus)
        work()
    }
}
