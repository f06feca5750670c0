/// What libvirt tells about a domain's end, turned into a `DriverRun.Termination`. Pure: the inputs are
/// virsh's `event` output, the domain's QEMU log and the console, so every case is testable without a
/// daemon.
///
/// libvirt does not pass QEMU's exit status on: isa-debug-exit makes QEMU exit by itself, which libvirt
/// reports as the lifecycle event "Stopped Failed" (log: "shutting down, reason=crashed"), whatever the
/// value written. So the guest's exit value is taken from its report instead: 0 after an `END` line with
/// `fail=0`, 1 after any other `END` (the value the guest library writes, docs/guest-interface.md) and 1
/// when there is no `END` (the judge then calls the run an error anyway).
public enum LibvirtLifecycle {
    /// A lifecycle event as `virsh event` prints it: "event 'lifecycle' for domain 'N': Stopped Failed".
    public struct Event: Equatable, Sendable {
        public var kind: String
        public var detail: String

        public init(kind: String, detail: String) {
            self.kind = kind
            self.detail = detail
        }

        /// The last lifecycle event in virsh's output; nil when there is none.
        public static func last(in output: String) -> Event? {
            let marker = "event 'lifecycle' for domain '"
            guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix(marker) }),
                  let colon = line.range(of: "': ") else { return nil }
            let words = line[colon.upperBound...].split(separator: " ", maxSplits: 1)
            guard let kind = words.first else { return nil }
            return Event(kind: String(kind), detail: words.count > 1 ? String(words[1]) : "")
        }
    }

    /// How the domain ended, before the console and the log are consulted.
    public enum Ending: Equatable, Sendable {
        /// QEMU exited on its own: debug-exit, or QEMU failed.
        case qemuExited
        /// The guest shut the machine down or reset it (on_reboot=destroy), e.g. a triple fault.
        case guestShutdown
        /// QEMU paused the guest (a KVM internal error does that).
        case paused(String)
        /// The guest reported a panic.
        case panicked(String)
        /// Someone else destroyed it.
        case destroyedElsewhere
        /// An event tck does not expect.
        case other(String)
    }

    public static func ending(of event: Event) -> Ending {
        switch (event.kind, event.detail) {
        case ("Stopped", "Failed"), ("Stopped", "Crashed"): .qemuExited
        case ("Shutdown", _), ("Stopped", "Shutdown"): .guestShutdown
        case ("Stopped", "Destroyed"): .destroyedElsewhere
        case ("Suspended", _): .paused(event.detail)
        case ("Crashed", _): .panicked(event.detail)
        default: .other("\(event.kind) \(event.detail)")
        }
    }

    /// From the domain log's "…: shutting down, reason=crashed" (written when libvirt stops the
    /// process): what a missed event would have said. nil while the domain runs.
    public static func ending(fromLog log: String) -> Ending? {
        guard let line = log.split(separator: "\n").last(where: { $0.contains(": shutting down, reason=") }),
              let reason = line.split(separator: "=").last else { return nil }
        switch reason {
        case "crashed": return .qemuExited
        case "shutdown": return .guestShutdown
        case "destroyed": return .destroyedElsewhere
        default: return .other("shutting down, reason=\(reason)")
        }
    }

    public static func termination(_ ending: Ending, log: String, console: [UInt8]) -> DriverRun.Termination {
        switch ending {
        case .qemuExited:
            if let error = qemuMessages(in: log).first(where: isQEMUError) { return .vmmFailure(reason: error) }
            return .guestExit(code: exitValue(console: console))
        case .guestShutdown:
            return .guestCrash(reason: "guest reset or shut down the machine without debug-exit (triple fault?)")
        case .paused(let detail):
            if let line = qemuMessages(in: log).first(where: { $0.contains("KVM internal error") }) { return .guestCrash(reason: line) }
            return .guestCrash(reason: "QEMU paused the guest (libvirt: Suspended \(detail))")
        case .panicked(let detail):
            return .guestCrash(reason: "the guest panicked (libvirt: Crashed \(detail))")
        case .destroyedElsewhere:
            return .vmmFailure(reason: "the domain was destroyed by someone other than tck")
        case .other(let what):
            return .vmmFailure(reason: "libvirt reported an unexpected end: \(what)")
        }
    }

    /// The exit value the guest library writes after its report (docs/guest-interface.md): 0 after
    /// `END … fail=0`, else 1.
    public static func exitValue(console: [UInt8]) -> UInt32 {
        guard let summary = ResultProtocol.parse(console).summary else { return 1 }
        return summary.fail == 0 ? 0 : 1
    }

    /// What QEMU itself printed, from a libvirt domain log: the lines after the command line block
    /// (which ends at the first line without a trailing backslash after "starting up"), libvirt's own
    /// timestamped lines left out, QEMU's leading timestamps removed.
    public static func qemuMessages(in log: String) -> [String] {
        var messages: [String] = []
        var inCommand = false
        for line in log.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.contains(": starting up libvirt version") { inCommand = true; continue }
            if inCommand { if !line.hasSuffix("\\") { inCommand = false }; continue }
            if isLibvirtLine(line) { continue }
            messages.append(String(withoutTimestamp(line)))
        }
        return messages
    }

    /// "2026-12-01 03:14:42.166+0000: …": libvirt's own lines (start, taint, shutting down).
    private static func isLibvirtLine(_ line: Substring) -> Bool {
        let head = line.prefix(30)
        return head.count >= 25 && head.dropFirst(10).first == " " && head.contains("+0000: ")
    }

    /// "2026-12-01T03:14:42.343828Z qemu-system-x86_64: …" → "qemu-system-x86_64: …" (`-msg timestamp=on`).
    private static func withoutTimestamp(_ line: Substring) -> Substring {
        guard let space = line.firstIndex(of: " ") else { return line }
        let stamp = line[..<space]
        guard stamp.count >= 20, stamp.hasSuffix("Z"), stamp.dropFirst(10).first == "T" else { return line }
        return line[line.index(after: space)...]
    }

    /// A QEMU error that decides the run: not a warning, not libvirt stopping QEMU, not a virtio device's
    /// verdict on a guest that broke the rules (QEMU runs on after those: `QEMUDriver.guestCausedDeviceErrors`).
    static func isQEMUError(_ line: String) -> Bool {
        line.hasPrefix("qemu-system") && !line.contains("warning:") && !line.contains("terminating on signal")
            && !QEMUDriver.isGuestCausedDeviceError(Substring(line))
    }
}
