#if canImport(Glibc)
import Glibc
#endif

/// Destroying a VM that has an in-kernel irqchip and PIT waits for kernel grace periods: measured at
/// ~14 ms for the irqchip and ~7 ms more for the PIT on this kind of host, several times the cost of
/// the whole boot. Once a run's result is final nobody needs to wait for that, so a one-shot VMM
/// (`swiftvm run`) hands its last references to the VM to a child process and exits at once; the child
/// holds them until the parent is gone, then exits and pays the teardown off the caller's clock.
///
/// Order: fork while the `Machine` is alive (`withExtendedLifetime` at the call site), so the child
/// inherits the VM's fds; then release the `Machine`, whose deinit unmaps guest RAM in this process. The
/// cost is also paid in exit_mmap when guest RAM is still mapped at exit (measured with
/// benchmarks/floor.c: ~16 ms against ~0.1 ms for munmap first), so handing off the fds alone saves nothing.
public enum DeferredTeardown {
    /// Call right before the process exits, after all output is written. Returns false (and nothing
    /// changes) if the child could not be created; the teardown then happens in this process as usual.
    @discardableResult
    public static func handOffToChild() -> Bool {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return false }
        let pid = fork()
        if pid == 0 {
            // Child: only async-signal-safe calls. Let go of the caller's stdio (a harness that reads our
            // output until EOF must not wait for us), then wait for the parent's exit to close the pipe.
            close(0); close(1); close(2)
            close(ends[1])
            var byte: UInt8 = 0
            while read(ends[0], &byte, 1) != 0 {}
            _exit(0)
        }
        close(ends[0])
        // Parent keeps the write end open until it exits. The child is not waited for: when this
        // process exits it is reparented and reaped by init (or the nearest subreaper).
        return pid > 0
    }
}
