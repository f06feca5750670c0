#if canImport(Glibc)
import Glibc
#endif
import CProcess

/// Work that runs on a thread of its own while its caller goes on; `wait()` returns once it is done.
/// For set-up work that is kernel time and needs nothing the caller is still building (see `Machine`).
/// The work leaves its result where its caller reads it after `wait()` (`HostKVM`).
///
/// Until `wait()` the caller keeps the CPU it is on and the work gets every other one
/// (`cprocess_split_cpus`): measured on this kind of host, the two otherwise shared one CPU in most runs
/// and nothing overlapped (docs/host-quirks.md). The work runs at once on the caller's thread instead
/// when no CPU is idle (`onlyOnAnIdleCPU`; e.g. `tck run --jobs 2` on two CPUs, where a helper only
/// queued behind the other machine, and the suite took ~0.1 s longer), when the process may use one
/// CPU, or when pthread_create fails. The thread is detached and posts a semaphore as soon as the work
/// returns (waiting for the thread's exit with pthread_join cost ~0.1 ms more), then waits for more
/// work (`takeThread`). `wait()` and `takeThread()` are for one thread at a time (the creator, in
/// practice): their bookkeeping takes no lock.
///
/// Not generic on purpose: a generic class's metadata is built at run time, on first use, and for
/// `BackgroundCall<[CPUIDEntry], KVMError>` that was ~53,000 instructions (callgrind) on swiftvm's path
/// to starting this very thread.
final class BackgroundCall: @unchecked Sendable {
    private let done = Semaphore()
    private var waited = false
    /// The caller's thread and CPU mask before the split, until restored.
    private var caller: (tid: pid_t, mask: cprocess_cpu_mask)?
    /// The thread the work ran on, until taken (`takeThread`); nil when the work ran on the caller's.
    private var thread: SpareThread?

    /// `onlyOnAnIdleCPU`: false starts the thread even when the host looks busy (tests).
    init(onlyOnAnIdleCPU: Bool = true, _ work: @escaping @Sendable () -> Void) {
        let done = self.done
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        var mask = cprocess_cpu_mask()
        var tid: pid_t = 0
        if cprocess_split_cpus(&attributes, &mask, &tid, onlyOnAnIdleCPU ? 1 : 0) == 0 {
            caller = (tid, mask)
            do {
                // The thread holds the semaphore, not this object: it can end while the thread waits.
                thread = try SpareThread.start(attributes: &attributes, cpus: mask) {
                    work()
                    done.post()
                }
                return
            } catch {
                restoreCaller()
            }
        }
        work()
        waited = true
    }

    deinit {
        restoreCaller()   // a caller that threw before waiting
    }

    /// Returns once the work has returned; what it wrote is then visible here (the semaphore orders it).
    func wait() {
        guard !waited else { return }
        done.wait()
        waited = true
        restoreCaller()
    }

    /// The thread the work ran on, for one more piece of work (`SpareThread`), once `wait()` has returned;
    /// nil if the work ran on the caller's thread, or the thread was taken before. Left untaken, it ends
    /// with this object.
    func takeThread() -> SpareThread? {
        guard waited else { return nil }
        defer { thread = nil }
        return thread
    }

    private func restoreCaller() {
        guard var caller else { return }
        _ = cprocess_restore_affinity(caller.tid, &caller.mask)
        self.caller = nil
    }
}

/// A POSIX semaphore in memory of its own (a sem_t must not move), for one poster and one waiter.
final class Semaphore: @unchecked Sendable {
    private let raw = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)

    init(value: UInt32 = 0) { sem_init(raw, 0, value) }

    deinit {
        sem_destroy(raw)
        raw.deallocate()
    }

    func post() { sem_post(raw) }

    func wait() {
        while sem_wait(raw) != 0 && errno == EINTR {}
    }
}
