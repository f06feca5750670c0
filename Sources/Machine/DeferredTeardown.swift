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
/// After the hand-off the `Machine` is kept until the process exits, not released. Releasing it would
/// unmap guest RAM from the address space the child shares: KVM zaps its mappings of that memory and
/// the TLB is shot down on the child's CPU (~3 of a hello run's ~320 perf samples), for memory the child
/// frees anyway. Nothing the `Machine` owns needs its deinit by then: output and disk writes go straight
/// to their files, the virtio I/O thread stops with the run, and exit closes the fds.
public enum DeferredTeardown {
    /// Call right before the process exits, after all output is written. Returns false (and nothing
    /// changes) if the child could not be created; the teardown then happens in this process as usual,
    /// when the caller releases `machine`.
    @discardableResult
    public static func handOffToChild(keeping machine: Machine) -> Bool {
        guard cprocess_hold_until_exit() > 0 else { return false }
        _ = Unmanaged.passRetained(machine)   // until exit, on purpose (above)
        return true
    }
}
