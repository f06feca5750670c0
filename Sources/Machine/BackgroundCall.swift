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
/// returns (waiting for the thread's exit with pthread_join cost ~0.1 ms more), then waits for more
/// work (`takeThread`). `value()` and `takeThread()` are for one thread at a time (the creator, in
/// practice): their bookkeeping takes no lock.
final class BackgroundCall<Value: Sendable, Failure: Error>: @unchecked Sendable {
    private let completion = Completion()
    private var waited = false
    /// The caller's thread and CPU mask before the split, until restored.
    private var caller: (tid: pid_t, mask: cprocess_cpu_mask)?
    /// The thread the call ran on, until taken (`takeThread`); nil when the call ran on the caller's.
    private var thread: SpareThread?

    /// `onlyOnAnIdleCPU`: false starts the thread even when the host looks busy (tests).
    init(onlyOnAnIdleCPU: Bool = true, _ call: @escaping @Sendable () throws(Failure) -> Value) {
        let completion = self.completion
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        var mask = cprocess_cpu_mask()
        var tid: pid_t = 0
        if cprocess_split_cpus(&attributes, &mask, &tid, onlyOnAnIdleCPU ? 1 : 0) == 0 {
            caller = (tid, mask)
            do {
                thread = try SpareThread.start(attributes: &attributes, cpus: mask) {
                    completion.finish(Result(catching: call))
                }
                return
            } catch {
                restoreCaller()
            }
        }
        completion.finish(Result(catching: call))
    }

    deinit {
        restoreCaller()   // a caller that threw before asking for the value
    }

    /// The call's result, once it has returned.
    func value() throws(Failure) -> Value {
        if !waited {
            completion.wait()
            waited = true
            restoreCaller()
        }
        return try completion.outcome.get()
    }

    /// The thread the call ran on, for one more piece of work (`SpareThread`), once the call has returned;
    /// nil if the call ran on the caller's thread, or the thread was taken before. Left untaken, it ends
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

    /// The call's outcome and the semaphore posted once it is in, shared with the thread: the thread
    /// holds this, not the call, so that the call (and the thread it keeps) can end while the thread waits.
    /// `outcome` is written once before `done` is posted and read only after waiting for it.
    private final class Completion: @unchecked Sendable {
        private var result: Result<Value, Failure>?
        private let done = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)

        init() { sem_init(done, 0, 0) }

        deinit {
            sem_destroy(done)
            done.deallocate()
        }

        func finish(_ result: Result<Value, Failure>) {
            self.result = result
            sem_post(done)
        }

        func wait() {
            while sem_wait(done) != 0 && errno == EINTR {}
        }

        var outcome: Result<Value, Failure> {
            guard let result else { preconditionFailure("a background call ended without an outcome") }
            return result
        }
    }
}
