/// What a driver observed when it booted one kernel: the raw facts, before the protocol parser and
/// the expectation judge them.
public struct DriverRun: Codable, Equatable, Sendable {
    /// How the VMM process (or in-process run) ended.
    public enum Termination: Codable, Equatable, Sendable {
        /// The guest exited through the debug-exit device with this value (already decoded from QEMU's
        /// `(v << 1) | 1` where applicable).
        case guestExit(code: UInt32)
        /// The driver's own watchdog (or the VMM's --timeout) stopped the run.
        case timeout
        /// The VMM found the guest unable ever to go on (swiftvm: every vCPU halted with interrupts
        /// disabled, nothing left to wake one) and stopped it before its timeout; judged as a timeout.
        case deadlock(reason: String)
        /// The guest died: triple fault / shutdown / reset, or the hypervisor could not go on.
        case guestCrash(reason: String)
        /// The VMM itself failed: could not start, bad input, died on a signal, unexpected status.
        case vmmFailure(reason: String)
        /// The driver cannot run this test at all (e.g. a `migrate` entry on a driver that cannot save and
        /// restore a VM); nothing was booted. Judged `skip`, with the reason.
        case unsupported(reason: String)
    }

    public var termination: Termination
    /// Console output as captured (UART and testdev console), at most the capture limit.
    public var console: [UInt8]
    /// Bytes the guest wrote beyond the capture limit (counted, not kept).
    public var consoleBytesDropped: UInt64
    public var durationSeconds: Double
    /// The VMM's own stderr (diagnostics such as register dumps), capped.
    public var diagnostics: String
    /// Exact command line the driver ran, for reproducing by hand.
    public var commandLine: [String]
    /// The guest's data stream (testdev stream 1: ABI probe records), when the VMM has one.
    public var data: [UInt8]
    /// What the VMM programmed into KVM (swiftvm `--tables`: CPUID and MSR list), when the driver was
    /// asked to record it (ABI captures). Absent from older results.json.
    public var programmedTables: String?
    /// The saves and restores of a `migrate` entry's run (nil: not a migrate entry).
    public var migration: MigrationRecord?

    public init(termination: Termination, console: [UInt8], consoleBytesDropped: UInt64 = 0, durationSeconds: Double,
                diagnostics: String = "", commandLine: [String] = [], data: [UInt8] = []) {
        self.termination = termination
        self.console = console
        self.consoleBytesDropped = consoleBytesDropped
        self.durationSeconds = durationSeconds
        self.diagnostics = diagnostics
        self.commandLine = commandLine
        self.data = data
    }
}
