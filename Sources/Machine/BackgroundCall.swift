import KVM
import Synchronization

/// One KVM call run on a thread of its own while the machine is built; `finish()` waits for it and
/// rethrows what it threw.
///
/// For calls that wait in the kernel rather than work: KVM_X86_SET_MSR_FILTER ends in synchronize_srcu,
/// a full SRCU grace period (measured 5–15 ms on this kind of host, more than the rest of `Machine.init`),
/// and nothing before the first KVM_RUN depends on the filter being in place.
final class BackgroundCall: Sendable {
    private final class Failure: Sendable {
        let error = Mutex<KVMError?>(nil)
    }

    private let thread: HostThread
    private let failure = Failure()
    private let joined = Atomic<Bool>(false)

    init(_ body: @escaping @Sendable () throws(KVMError) -> Void) throws(MachineError) {
        let failure = self.failure
        thread = try HostThread {
            do throws(KVMError) { try body() } catch { failure.error.withLock { $0 = error } }
        }
    }

    /// A machine whose set-up failed before `finish` still waits for its call (a thread is never left behind).
    deinit {
        if !joined.load(ordering: .relaxed) { thread.join() }
    }

    /// Waits for the call; throws its error, if any. Call once.
    func finish() throws(KVMError) {
        thread.join()
        joined.store(true, ordering: .relaxed)
        if let error = failure.error.withLock({ $0 }) { throw error }
    }
}
