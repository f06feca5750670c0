#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The first reason to stop a run wins; later ones are ignored. Whoever stops the run wakes the thread
/// waiting in `wait(timeout:)` (through a pipe, so the wait needs no lock) and runs `onStop` once,
/// which kicks every vCPU out of KVM_RUN.
final class StopLatch: Sendable {
    private struct Stop: Sendable {
        let status: RunStatus
        let snapshot: CPUSnapshot?
    }

    private let first = Mutex<Stop?>(nil)
    /// Set once `first` holds the stop: what the vCPU loops check after every exit, without a lock.
    private let stopped = Atomic<Bool>(false)
    /// Set by `nudge` until the waiting thread has seen it.
    private let nudged = Atomic<Bool>(false)
    private let wakeupRead: Int32
    private let wakeupWrite: Int32
    private let onStop: @Sendable () -> Void

    init(onStop: @escaping @Sendable () -> Void) throws(MachineError) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw .thread(errno: errno) }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        // Non-blocking, so `wait` can drain the byte a `nudge` left without ever blocking on an empty pipe.
        _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
        wakeupRead = ends[0]
        wakeupWrite = ends[1]
        self.onStop = onStop
    }

    deinit {
        close(wakeupRead)
        close(wakeupWrite)
    }

    var isStopped: Bool { stopped.load(ordering: .sequentiallyConsistent) }
    var status: RunStatus? { first.withLock { $0?.status } }
    var snapshot: CPUSnapshot? { first.withLock { $0?.snapshot } }

    /// Records `status` if nothing was recorded before. Returns whether this call was the first.
    @discardableResult
    func stop(_ status: RunStatus, snapshot: CPUSnapshot? = nil) -> Bool {
        let isFirst = first.withLock { stop in
            guard stop == nil else { return false }
            stop = Stop(status: status, snapshot: snapshot)
            return true
        }
        guard isFirst else { return false }
        stopped.store(true, ordering: .sequentiallyConsistent)
        var one: UInt8 = 1
        _ = write(wakeupWrite, &one, 1)
        onStop()
        return true
    }

    /// Wakes the thread in `wait(timeout:)` without stopping the run (a save request for the watchdog).
    func nudge() {
        nudged.store(true, ordering: .sequentiallyConsistent)
        var one: UInt8 = 1
        _ = write(wakeupWrite, &one, 1)
    }

    /// Waits until `stop` is called or `timeout` seconds pass; returns false on timeout.
    func wait(timeout: Double) -> Bool {
        waitForEvent(timeout: timeout) == .stopped
    }

    enum Wakeup { case stopped, nudged, timedOut }

    /// Waits until `stop` or `nudge` is called or `timeout` seconds pass.
    func waitForEvent(timeout: Double) -> Wakeup {
        let deadline = monotonicSeconds() + timeout
        while !isStopped {
            if nudged.exchange(false, ordering: .sequentiallyConsistent) {
                var drain = [UInt8](repeating: 0, count: 16)
                while read(wakeupRead, &drain, drain.count) > 0 {}
                return isStopped ? .stopped : .nudged
            }
            let remaining = deadline - monotonicSeconds()
            guard remaining > 0 else { return .timedOut }
            var poller = pollfd(fd: wakeupRead, events: Int16(POLLIN), revents: 0)
            _ = poll(&poller, 1, Int32(min(remaining * 1000, 1_000_000).rounded(.up)))
        }
        return .stopped
    }
}

func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
