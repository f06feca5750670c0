import CProcess

/// Process-wide settings for a process that runs one machine (`swiftvm run`), made first in `main`.
public enum MachineProcess {
    /// Every thread allocates from glibc's main arena. The watchdog thread's first allocation otherwise
    /// mapped a 64 MiB arena of its own (an mmap, two munmaps, an mprotect and fresh page faults, in
    /// every run, on the way to the first KVM_RUN). The threads of a run hardly allocate: a vCPU's exit
    /// path does not (AllocationFreeExitTests), the watchdog sleeps.
    public static func useOneMallocArena() {
        _ = cprocess_use_one_malloc_arena()
    }
}
