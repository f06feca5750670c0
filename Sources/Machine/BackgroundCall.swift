#if canImport(Glibc)
import Glibc
#endif
import CProcess

/// A throwing call that runs on a thread of its own while its caller goes on; `value()` waits for it.
/// For set-up work that is kernel time and needs nothing the caller is still building (see `Machine`).
///
/// Until `value()` the caller keeps the CPU it is on and the call gets every other one
/// (`cprocess_split_cpus`): measured on this kind of host, the two otherwise shared one CPU in most runs
/// and nothing overlapped (docs/host-quirks.md). The call runs at once on the caller's thread instead
/// when no CPU is idle (`onlyOnAnIdleCPU`; e.g. `tck run --jobs 2` on two CPUs, where a helper only
/// queued behind the other machine, and the suite took ~0.1 s longer), when the process may use one
/// CPU, or when pthread_create fails. The thread is detached and posts a semaphore as soon as the call
/// returns (waiting for the thread's exit with pthread_join cost ~0.1 ms more); it holds this object
/// until it ends, so the semaphore outlives every use of it. `value()` is for one thread at a time (the
/// creator, in practice): its bookkeeping takes no lock.
final class BackgroundCall<Value: Sendable, Failure: Error>: @unchecked Sendable {
    // Written once before `done` is posted, read only after waiting for it: the semaphore orders the two.
    private var outcome: Result<Value, Failure>?
    private let done = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
    private var waited = false
    /// The caller's thread and CPU mask before the split, until restored.
    private var caller: (tid: pid_t, mask: cprocess_cpu_mask)?

    /// `onlyOnAnIdleCPU`: false starts the thread even when the host looks busy (tests).
    init(onlyOnAnIdleCPU: Bool = true, _ call: @escaping @Sendable () throws(Failure) -> Value) {
        sem_init(done, 0, 0)
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        var mask = cprocess_cpu_mask()
        var tid: pid_t = 0
        if cprocess_split_cpus(&attributes, &mask, &tid, onlyOnAnIdleCPU ? 1 : 0) == 0 {
            caller = (tid, mask)
            do {
                try HostThread(attributes: &attributes) { [self] in
                    outcome = Result(catching: call)
                    sem_post(done)
                }.detach()
                return
            } catch {
                restoreCaller()
            }
        }
        outcome = Result(catching: call)
        sem_post(done)
    }

    deinit {
        restoreCaller()   // a caller that threw before asking for the value
        sem_destroy(done)
        done.deallocate()
    }

    /// The call's result, once it has returned.
    func value() throws(Failure) -> Value {
        if !waited {
            while sem_wait(done) != 0 && errno == EINTR {}
            waited = true
            restoreCaller()
        }
        guard let outcome else { preconditionFailure("a background call ended without an outcome") }
        return try outcome.get()
    }

    private func restoreCaller() {
        guard var caller else { return }
        _ = cprocess_restore_affinity(caller.tid, &caller.mask)
        self.caller = nil
    }
}
