/// A VMM the suite can run on. Adding a VMM is adding one type that conforms; the runner, the judge
/// and the reports do not change.
public protocol Driver: Sendable {
    /// Short, stable name used in the catalog (`xfail.<name>`), on the command line and in reports.
    var name: String { get }
    /// Checks that the driver can run on this host and says what it is. Throws a one-line reason
    /// (binary missing, no /dev/kvm, …) that the CLI reports as an infrastructure error.
    func probe() throws(DriverUnavailable) -> DriverInfo
    /// Checks, without booting anything, that this host can run `machine` (nil: the driver's default
    /// machine type) on this driver. Throws a one-line reason; the CLI stops before any test runs.
    func check(machine: String?) throws(DriverUnavailable)
    /// Boots one kernel and reports what happened. Never throws: a VMM that cannot start is a
    /// `DriverRun` with `.vmmFailure`, judged as an `error` outcome for that test only.
    func run(_ entry: CatalogEntry, kernelDirectory: String, cancelled: @escaping @Sendable () -> Bool) -> DriverRun
    /// The same with `disk` (the image tck made for the catalog's `disk` key) attached as the machine's
    /// virtio-blk disk; nil: no disk. The recorded command line names the image.
    func run(_ entry: CatalogEntry, kernelDirectory: String, disk: AttachedDisk?,
             cancelled: @escaping @Sendable () -> Bool) -> DriverRun
    /// A `migrate = yes` entry: the same run, but each time the guest asks to be saved the driver saves the
    /// VM to `snapshot` (an absolute path in a directory that exists), ends that VMM process and restores
    /// the VM in a new one, at most `MigrationRecord.maximumRestores` times (one more request is an `error`
    /// naming the limit). The console holds every process's output in order, the recorded command line the
    /// whole chain, and `DriverRun.migration` what was saved and restored.
    func runMigrating(_ entry: CatalogEntry, kernelDirectory: String, disk: AttachedDisk?, snapshot: String,
                      cancelled: @escaping @Sendable () -> Bool) -> DriverRun
}

extension Driver {
    /// Drivers without a per-machine-type check rely on `probe()` alone.
    public func check(machine: String?) throws(DriverUnavailable) {}

    /// Drivers that cannot attach disks run disk-less tests as before and refuse the others (an `error`
    /// outcome for that test), rather than booting the kernel without the disk it was declared with.
    public func run(_ entry: CatalogEntry, kernelDirectory: String, disk: AttachedDisk?,
                    cancelled: @escaping @Sendable () -> Bool) -> DriverRun {
        guard disk == nil else {
            return DriverRun(termination: .vmmFailure(reason: "driver \(name) cannot attach a disk image"), console: [],
                             durationSeconds: 0)
        }
        return run(entry, kernelDirectory: kernelDirectory, cancelled: cancelled)
    }

    /// Drivers that cannot save and restore a running VM do not boot a migrate entry at all: booting it
    /// without answering its save requests would only fail it for what the driver lacks. The outcome is
    /// `skip` with this reason, counted and named in every report.
    public func runMigrating(_ entry: CatalogEntry, kernelDirectory: String, disk: AttachedDisk?, snapshot: String,
                             cancelled: @escaping @Sendable () -> Bool) -> DriverRun {
        DriverRun(termination: .unsupported(reason: "driver \(name) cannot save and restore a running VM (migrate = yes)"),
                  console: [], durationSeconds: 0)
    }
}

public struct DriverUnavailable: Error, Equatable, Sendable, CustomStringConvertible {
    public let driver: String
    public let reason: String

    public init(driver: String, reason: String) {
        self.driver = driver
        self.reason = reason
    }

    public var description: String { "driver \(driver) unavailable: \(reason)" }
}

/// How long a driver waits beyond a test's own timeout before it kills the VMM itself: the VMM's
/// watchdog should fire first, this is the backstop for a VMM that ignores it.
let watchdogGraceSeconds = 5.0

extension ChildProcess {
    /// Runs this VMM process and turns its ending into a `DriverRun`; `decode` maps a normal exit
    /// (status, stderr) to a termination, which is what differs between VMMs. `recorded` is the command
    /// line kept in the result (default: the one run); a driver leaves its temporary files out of it.
    func driverRun(recording recorded: [String]? = nil, cancelled: @escaping @Sendable () -> Bool,
                   decode: (Int32, String) -> DriverRun.Termination) -> DriverRun {
        let result = run(cancelled: cancelled)
        let termination: DriverRun.Termination
        if case let .exited(status) = result.ending {
            termination = decode(status, result.stderrText)
        } else {
            termination = result.commonTermination ?? .vmmFailure(reason: "unknown ending")
        }
        return DriverRun(termination: termination, console: result.stdout, consoleBytesDropped: result.stdoutDropped,
                         durationSeconds: result.durationSeconds, diagnostics: result.stderrText,
                         commandLine: recorded ?? commandLine)
    }
}

extension ChildProcess.Result {
    var stderrText: String { String(decoding: stderr, as: UTF8.self) }

    /// The termination for the endings every driver treats alike; nil for `.exited`, which is VMM-specific.
    var commonTermination: DriverRun.Termination? {
        switch ending {
        case .exited: nil
        case .timedOut: .timeout
        case .cancelled: .vmmFailure(reason: "cancelled")
        case .stoppedByWatcher: .vmmFailure(reason: "stopped by the driver")
        case .stoppedOnStderr:
            // The first line that is not a warning: the one that made us stop.
            .guestCrash(reason: stderrText.split(separator: "\n").first { !$0.contains("warning:") }.map(String.init) ?? "stopped")
        case let .signaled(signal): .vmmFailure(reason: "VMM killed by signal \(signal)")
        case let .spawnFailed(code): .vmmFailure(reason: "could not start the VMM (errno \(code))")
        }
    }
}
