import CProcess

/// Destroying a VM that has an in-kernel irqchip and PIT waits for kernel grace periods: measured at
/// ~14 ms for the irqchip and ~7 ms more for the PIT on this kind of host, several times the cost of
/// the whole boot. Once a run's result is final nobody needs to wait for that, so a one-shot VMM
/// (`swiftvm run`) hands its last references to the VM to a child and exits at once; the child holds
/// them until the parent is gone, then exits and pays the teardown off the caller's clock.
///
/// The child shares this process's memory (`cprocess_hold_until_exit`: CLONE_VM, not fork). Copying
/// the page tables for a fork cost ~0.2 ms here, and exit_mmap of this process's address space
/// another ~0.3 ms at exit; with the memory shared, neither is paid before the caller sees the exit:
/// this process's exit only drops its reference, and the address space goes with the child.
///
/// Order: hand off while the `Machine` is alive (`withExtendedLifetime` at the call site), so the child
/// holds the VM's fds; then release the `Machine`.
public enum DeferredTeardown {
    /// Call right before the process exits, after all output is written. Returns false (and nothing
    /// changes) if the child could not be created; the teardown then happens in this process as usual.
    @discardableResult
    public static func handOffToChild() -> Bool {
        cprocess_hold_until_exit() > 0
    }
}
