#if canImport(Glibc)
import Glibc
#endif
import Machine

/// SIGUSR1 = save. The signal is blocked in the main thread before the machine starts its threads (they
/// inherit the mask), and one thread takes it with sigwait, so it never interrupts a vCPU or a syscall.
enum SaveSignal {
    static func blockInThisThread() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGUSR1)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Starts the thread that turns each SIGUSR1 into a save request (or a line saying why not). The
    /// thread holds the machine weakly: it outlives the run, and a strong reference would keep guest RAM
    /// mapped until exit, where exit_mmap pays the VM's teardown (see `DeferredTeardown`).
    static func start(_ machine: Machine) {
        let machine = WeakMachine(machine)
        startDetachedThread {
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, SIGUSR1)
            while true {
                var received: Int32 = 0
                guard sigwait(&set, &received) == 0 else { return }
                guard let machine = machine.machine else { return }
                if case let .failure(refusal) = machine.requestSave(.signal) {
                    writeStandardError("swiftvm: SIGUSR1: not saved: \(refusal)\n")
                }
            }
        }
    }
}

/// How a thread that outlives the run refers to the machine: weakly, so releasing the machine after
/// the run unmaps guest RAM then, not in exit_mmap.
final class WeakMachine: Sendable {
    weak let machine: Machine?
    init(_ machine: Machine) { self.machine = machine }
}

/// A thread that is never joined (it ends with the process).
func startDetachedThread(_ body: @escaping @Sendable () -> Void) {
    final class Box { let body: @Sendable () -> Void; init(_ body: @escaping @Sendable () -> Void) { self.body = body } }
    let context = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    let created = pthread_create(&thread, nil, { context in
        Unmanaged<Box>.fromOpaque(context!).takeRetainedValue().body()
        return nil
    }, context)
    if created == 0 { pthread_detach(thread) } else { Unmanaged<Box>.fromOpaque(context).release() }
}
