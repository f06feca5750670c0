/// swiftvm's process exit statuses. The guest's own debug-exit value passes through unchanged
/// (low 8 bits); the VMM's statuses sit where guests conventionally do not go.
enum ExitStatus: Int32, CaseIterable {
    case usage = 64             // bad command line (ArgumentParser's validation exit code too)
    case badInput = 65          // kernel/initrd unreadable or malformed, memory too small, …
    case kvmUnavailable = 69    // /dev/kvm missing, no permission, capability missing
    case vmmFailure = 70        // an ioctl failed mid-run, an unhandled exit: a bug or host trouble
    case unassignedAccess = 71  // --strict-io and the guest touched a port/MMIO address with no device
    case unsupportedMachine = 78 // this host's KVM cannot provide the machine type's CPU features (named on stderr)
    case deadlock = 123         // every vCPU halted with interrupts disabled, nothing can wake one (RIPs on stderr)
    case timeout = 124          // the watchdog ended the run (as timeout(1) does)
    case shutdown = 125         // triple fault, or a system event (reset/crash)
    case saved = 122            // the VM was saved to --snapshot FILE and the run ended there
    case kvmInternalError = 126 // KVM could not run the guest (e.g. an instruction it cannot emulate)

    static let helpText = """
        EXIT STATUS
          N    the guest wrote N to the debug-exit port 0xf4 (low 8 bits; 0 = success).
               With --qemu-exit-codes: (N << 1) | 1, as QEMU's isa-debug-exit.
          64   bad usage
          65   bad input: kernel, initrd, memory size, or a --restore snapshot refused
               (truncated, corrupt, newer, unknown machine type, changed disk)
          69   KVM unavailable      70   VMM failure (failed ioctl, unhandled exit)
          71   unassigned I/O or MMIO access under --strict-io
          78   this host's KVM cannot provide CPU features the machine type needs (named on stderr)
          122  saved to --snapshot FILE (guest request, SIGUSR1 or the control socket);
               `swiftvm run --restore FILE` resumes it
          123  deadlock: every vCPU halted with interrupts disabled (or waiting for INIT/SIPI) and
               nothing can wake one; found within ~50 ms, not at --timeout (RIPs on stderr)
          124  timeout (--timeout)  125  triple fault / shutdown / reset
          126  KVM internal error (e.g. an instruction this host's KVM cannot emulate)
        """
}
