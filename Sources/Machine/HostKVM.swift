import KVM

/// The host's /dev/kvm, opened for one machine with KVM_GET_SUPPORTED_CPUID already under way.
///
/// The query is ~0.7–0.9 ms of kernel time on this kind of (nested) host and needs nothing else, so it
/// runs on a thread of its own (`BackgroundCall`) while the caller resolves its options, reads the
/// kernel and writes the tables: `swiftvm run` opens it before parsing its options (`RunOptions.host`),
/// and `Machine` opens one itself when given none. The VM's first ioctl that waits for an SRCU grace period
/// (KVM_X86_SET_MSR_FILTER) waits for the query too: on a kernel without preemption it holds its CPU
/// without a reschedule point, and the work the grace period needs queues behind it. So the earlier
/// it starts, the less anyone waits (benchmarks/README.md, "Eighth pass").
///
/// The answer differs from the caller's own only in the initial APIC ID of the CPU that ran it (leaf 1
/// EBX[31:24], leaves 0xB/0x1F EDX), which KVM passes through and no feature check reads. Failures
/// are kept, not thrown, so that `Machine` still reports bad input before a missing /dev/kvm.
public final class HostKVM: Sendable {
    let system: Result<KVMSystem, KVMError>
    private let cpuidQuery: BackgroundCall?
    private let cpuidAnswer = Answer()

    public convenience init(path: String = KVMSystem.defaultPath) {
        self.init(path: path, queryOnlyOnAnIdleCPU: true)
    }

    /// `queryOnlyOnAnIdleCPU`: false gives the query a thread of its own even on a busy host (tests).
    init(path: String, queryOnlyOnAnIdleCPU: Bool) {
        let system = Result { () throws(KVMError) in try KVMSystem(path: path) }
        self.system = system
        let answer = cpuidAnswer
        cpuidQuery = (try? system.get()).map { system in
            BackgroundCall(onlyOnAnIdleCPU: queryOnlyOnAnIdleCPU) {
                answer.result = Result { () throws(KVMError) in try system.supportedCPUID() }
            }
        }
    }

    /// What KVM_GET_SUPPORTED_CPUID returned (waiting for it if needed), or why /dev/kvm did not open.
    func supportedCPUID() throws(KVMError) -> [CPUIDEntry] {
        guard let cpuidQuery else {
            _ = try system.get()
            preconditionFailure("an opened /dev/kvm without its CPUID query")
        }
        cpuidQuery.wait()
        guard let result = cpuidAnswer.result else { preconditionFailure("the CPUID query ended without an answer") }
        return try result.get()
    }

    /// Written by the query's thread before it posts its completion, read after waiting for that.
    private final class Answer: @unchecked Sendable {
        var result: Result<[CPUIDEntry], KVMError>?
    }

    /// The thread that ran the query, once it has answered, for one more piece of work (the watchdog);
    /// nil if the query ran on the caller's thread or the thread was taken before.
    func takeThread() -> SpareThread? { cpuidQuery?.takeThread() }
}
