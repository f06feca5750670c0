import Foundation
import Synchronization

/// Runs kernels as transient libvirt domains, through `virsh` (libvirt-clients): the machine a
/// distribution's guest sees, defined by domain XML rather than a QEMU command line.
///
/// One test is:
/// 1. the domain XML (`LibvirtDomainXML`) written to `<domainDirectory>/<test>.domain.xml` (the report's
///    `logs/libvirt/`), serial into a private temporary file;
/// 2. one virsh process, one connection: `create FILE --autodestroy; event --domain NAME --event
///    lifecycle --timeout T`. The domain lives only as long as that connection: if tck dies, even by
///    SIGKILL, virsh gets the parent-death signal and libvirt destroys the domain. `event` returns at
///    the first lifecycle event (QEMU exited, guest shut down, QEMU paused the guest) or after T s;
/// 3. `virsh destroy`, always; then the console file and the domain's QEMU log are read (and the log
///    removed), and the ending is judged by `LibvirtLifecycle`.
///
/// The timeout is virsh's: whole seconds (a 500 ms test waits 1 s), counted from the domain's start.
public struct LibvirtDriver: Driver {
    public let name = "libvirt"
    public let uri: String
    /// The machine type when the catalog names none (`--libvirt-machine`).
    public let machine: String
    public let virsh: String
    /// Where each test's domain XML is kept (`<test>.domain.xml`); nil: a temporary file, removed.
    public let domainDirectory: String?
    private let virtType: String

    public init(uri: String = LibvirtDriver.defaultURI, machine: String = "pc", virsh: String = "virsh",
                domainDirectory: String? = nil) {
        self.uri = uri
        self.machine = machine
        self.virsh = virsh
        self.domainDirectory = domainDirectory
        self.virtType = access("/dev/kvm", R_OK | W_OK) == 0 ? "kvm" : "qemu"
    }

    /// qemu:///system for root (the daemons scripts/libvirt-up.sh starts), else the per-user session daemon.
    public static var defaultURI: String { getuid() == 0 ? "qemu:///system" : "qemu:///session" }

    static let firmware = QEMUDriver.qboot
    private static let sequence = Atomic<Int>(0)

    private var client: Virsh? { QEMUDriver.resolve(virsh).map { Virsh(executable: $0, uri: uri) } }

    public func probe() throws(DriverUnavailable) -> DriverInfo {
        guard let client else {
            throw DriverUnavailable(driver: name, reason: "\(virsh) not found (install libvirt-clients and libvirt-daemon-system: make setup-test)")
        }
        let version = client.run("version", timeoutSeconds: 30)
        guard case .exited(0) = version.ending else {
            throw DriverUnavailable(driver: name, reason: "cannot reach libvirt at \(uri): \(Virsh.errorText(version))"
                                    + " (start the daemons: scripts/libvirt-up.sh)")
        }
        let text = String(decoding: version.stdout, as: UTF8.self)
        let libvirt = Self.versionField(text, after: "Using library: libvirt ") ?? "unknown"
        let qemu = Self.versionField(text, after: "Running hypervisor: QEMU ") ?? "unknown"
        let canonical = try canonicalMachine(machine, client: client)
        let swept = sweepLeftovers(client: client)
        var details = ["uri": uri, "accel": virtType, "machine": canonical, "libvirt": libvirt, "qemu": qemu,
                       "firmware": FileManager.default.fileExists(atPath: Self.firmware) ? "qboot" : "SeaBIOS",
                       "devices": "isa-serial to a file, isa-debug-exit@0xf4 via <qemu:commandline>; no USB, no balloon; no testdev",
                       "exit status": "not reported by libvirt: the guest's exit value is read from its END line",
                       "domains": "transient, --autodestroy, named tck-<pid>-<n>-<test>; XML in logs/libvirt/<test>.domain.xml"]
        if !swept.isEmpty { details["swept"] = swept.joined(separator: " ") }
        return DriverInfo(name: name, version: "libvirt \(libvirt), QEMU \(qemu)", executable: client.executable, details: details)
    }

    public func check(machine: String?) throws(DriverUnavailable) {
        guard let client else { throw DriverUnavailable(driver: name, reason: "\(virsh) not found") }
        _ = try canonicalMachine(machine ?? self.machine, client: client)
    }

    /// What libvirt makes of a machine name ("pc" → "pc-i440fx-7.2"), from `virsh domcapabilities`;
    /// throws when libvirt or this QEMU does not know it.
    private func canonicalMachine(_ machine: String, client: Virsh) throws(DriverUnavailable) -> String {
        let result = client.run("domcapabilities --virttype \(virtType) --arch x86_64 --machine \(Virsh.quote(machine))",
                                timeoutSeconds: 30)
        guard case .exited(0) = result.ending else {
            throw DriverUnavailable(driver: name, reason: "libvirt cannot run machine type \(machine): \(Virsh.errorText(result))")
        }
        let text = String(decoding: result.stdout, as: UTF8.self)
        guard let start = text.range(of: "<machine>"), let end = text.range(of: "</machine>", range: start.upperBound..<text.endIndex) else {
            return machine
        }
        return String(text[start.upperBound..<end.lowerBound])
    }

    /// Destroys tck domains whose owning process is gone; returns their names.
    private func sweepLeftovers(client: Virsh) -> [String] {
        let list = client.run("list --all --name", timeoutSeconds: 30)
        let names = String(decoding: list.stdout, as: UTF8.self).split(separator: "\n").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        let leftovers = LibvirtDomainNames.leftovers(names, isRunning: LibvirtDomainNames.isRunning)
        for domain in leftovers {
            _ = client.run("destroy \(Virsh.quote(domain))", timeoutSeconds: 30)
            if let log = logPath(domain) { unlink(log) }
        }
        return leftovers
    }

    /// The domain XML for one test.
    public func domainXML(for entry: CatalogEntry, kernelDirectory: String, domainName: String, consolePath: String,
                          disk: AttachedDisk? = nil) -> LibvirtDomainXML {
        LibvirtDomainXML(name: domainName, virtType: virtType, machine: entry.machine(for: name) ?? machine,
                         memoryBytes: entry.memoryBytes, cpus: entry.cpus,
                         kernel: RecordedCommandLine.absolute("\(kernelDirectory)/\(entry.kernel).elf"),
                         commandLine: entry.commandLine,
                         firmware: FileManager.default.fileExists(atPath: Self.firmware) ? Self.firmware : nil,
                         consolePath: consolePath, disk: disk)
    }

    public func run(_ entry: CatalogEntry, kernelDirectory: String, cancelled: @escaping @Sendable () -> Bool) -> DriverRun {
        run(entry, kernelDirectory: kernelDirectory, disk: nil, cancelled: cancelled)
    }

    public func run(_ entry: CatalogEntry, kernelDirectory: String, disk: AttachedDisk?,
                    cancelled: @escaping @Sendable () -> Bool) -> DriverRun {
        boot(entry, kernelDirectory: kernelDirectory, disk: disk, snapshot: nil, cancelled: cancelled)
    }

    /// A `migrate = yes` entry: saved with `virsh save` each time the guest asks and restored with `virsh
    /// restore` (`LibvirtMigration`).
    public func runMigrating(_ entry: CatalogEntry, kernelDirectory: String, disk: AttachedDisk?, snapshot: String,
                             cancelled: @escaping @Sendable () -> Bool) -> DriverRun {
        boot(entry, kernelDirectory: kernelDirectory, disk: disk, snapshot: snapshot, cancelled: cancelled)
    }

    private func boot(_ entry: CatalogEntry, kernelDirectory: String, disk: AttachedDisk?, snapshot: String?,
                      cancelled: @escaping @Sendable () -> Bool) -> DriverRun {
        guard let client else { return Self.failed("\(virsh) not found") }
        let sequence = Self.sequence.wrappingAdd(1, ordering: .relaxed).newValue
        let domain = LibvirtDomainNames.name(owner: getpid(), sequence: sequence, test: entry.name)
        let scratch = NSTemporaryDirectory() + "tck-libvirt-\(getpid())-\(sequence)"
        guard mkdir(scratch, 0o700) == 0 else { return Self.failed("cannot create \(scratch): \(String(cString: strerror(errno)))") }
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let consolePath = scratch + "/console.log"
        let xmlPath = domainDirectory.map { RecordedCommandLine.absolute("\($0)/\(entry.name).domain.xml") } ?? scratch + "/domain.xml"
        var xml = domainXML(for: entry, kernelDirectory: kernelDirectory, domainName: domain, consolePath: consolePath,
                            disk: disk.map { AttachedDisk(path: RecordedCommandLine.absolute($0.path), readOnly: $0.readOnly, format: $0.format) })
        // A migrate test's guest waits for a byte on its UART after asking to be saved: the serial port
        // needs an input, a socket in the scratch directory.
        if snapshot != nil { xml.serialSocket = scratch + "/serial.sock" }
        do {
            try FileManager.default.createDirectory(atPath: (xmlPath as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try Data(xml.text.utf8).write(to: URL(fileURLWithPath: xmlPath))
        } catch {
            return Self.failed("cannot write the domain XML \(xmlPath): \(error.localizedDescription)")
        }
        let recorded = [RecordedCommandLine.executable(virsh), "-c", uri, "create", xmlPath]
        if let snapshot, let serialSocket = xml.serialSocket {
            return LibvirtMigration(driver: self, client: client, entry: entry, domain: domain, xmlPath: xmlPath,
                                    consolePath: consolePath, serialSocket: serialSocket, snapshot: snapshot).run(cancelled: cancelled)
        }

        // virsh's timeout is whole seconds; the runner's own deadline leaves room for libvirt to start QEMU.
        let seconds = max(1, Int(entry.timeoutSeconds.rounded(.up)))
        let holder = client.process("create \(Virsh.quote(xmlPath)) --autodestroy; "
                                    + "event --domain \(Virsh.quote(domain)) --event lifecycle --timeout \(seconds)",
                                    timeoutSeconds: Double(seconds) + Self.startAllowanceSeconds + watchdogGraceSeconds)
        let logFile = logPath(domain)
        let watch = LogWatch(path: logFile)
        let held = holder.run(cancelled: { cancelled() || watch.showsEnd() })
        let output = String(decoding: held.stdout, as: UTF8.self)
        // The log can show the end before virsh has printed that the domain was created (the watch
        // then stopped virsh first): the domain started all the same.
        let created = output.contains("Domain '\(domain)' created") || watch.fired
        return conclude(domain: domain, client: client, held: held, output: output, created: created, logFile: logFile,
                        consolePath: consolePath, cancelled: cancelled, recorded: recorded, durationSeconds: held.durationSeconds)
    }

    /// After the last virsh holding the domain ended: destroys the domain, reads the console and the domain
    /// log, and judges the ending. `output`: what the holder(s) printed.
    /// `earlierOutput`: what earlier holders of the same guest printed (a migrate test's saved domains), shown
    /// in the diagnostics only.
    func conclude(domain: String, client: Virsh, held: ChildProcess.Result, output: String, earlierOutput: String = "",
                  created: Bool, logFile: String?, consolePath: String, cancelled: () -> Bool, recorded: [String],
                  durationSeconds: Double) -> DriverRun {
        // Read before the destroy: a "shutting down" line already there means the domain ended by itself.
        let logBefore = logFile.flatMap { CloseOnExecFile.prefix(atPath: $0, limit: Self.logLimit) }.map { String(decoding: $0.bytes, as: UTF8.self) } ?? ""
        let destroyed = client.run("destroy \(Virsh.quote(domain))", timeoutSeconds: 60)
        let log = logFile.flatMap { CloseOnExecFile.prefix(atPath: $0, limit: Self.logLimit) }.map { String(decoding: $0.bytes, as: UTF8.self) } ?? logBefore
        if let logFile { unlink(logFile) }
        let console = CloseOnExecFile.prefix(atPath: consolePath, limit: Self.consoleLimit) ?? ([], 0)

        let termination = Self.termination(created: created, held: held, output: output, logBefore: logBefore, log: log,
                                           console: console.bytes, cancelled: cancelled())

        var notes: [String] = []
        if case .guestExit = termination {
            notes.append("tck: libvirt does not report QEMU's exit status; the exit value is the END line's (0 when fail=0, else 1)")
        }
        if !destroyed.stderr.isEmpty && !Virsh.saysNoDomain(destroyed) {
            notes.append("tck: virsh destroy \(domain): \(Virsh.errorText(destroyed))")
        }
        if logFile == nil { notes.append("tck: no domain log for \(uri) (QEMU's messages are only read for local qemu:/// URIs)") }
        let diagnostics = ([log.isEmpty ? "" : "== libvirt domain log (QEMU command line and messages) ==\n" + log,
                            output.isEmpty && earlierOutput.isEmpty ? "" : "== virsh ==\n" + earlierOutput + output + held.stderrText] + notes)
            .filter { !$0.isEmpty }.joined(separator: "\n")
        return DriverRun(termination: termination, console: console.bytes, consoleBytesDropped: console.dropped,
                         durationSeconds: durationSeconds, diagnostics: diagnostics, commandLine: recorded)
    }

    /// How the run ended, from what virsh printed, the domain log before and after the destroy, and
    /// whether the runner cancelled it.
    static func termination(created: Bool, held: ChildProcess.Result, output: String, logBefore: String, log: String,
                            console: [UInt8], cancelled: Bool) -> DriverRun.Termination {
        if !created {
            switch held.ending {
            case .cancelled: return .vmmFailure(reason: "cancelled")
            case .timedOut: return .vmmFailure(reason: "libvirt did not start the domain within \(Int(startAllowanceSeconds)) s")
            default: return .vmmFailure(reason: "libvirt could not start the domain: \(Virsh.errorText(held))")
            }
        }
        if let event = LibvirtLifecycle.Event.last(in: output) {
            return LibvirtLifecycle.termination(LibvirtLifecycle.ending(of: event), log: log, console: console)
        }
        if cancelled { return .vmmFailure(reason: "cancelled") }
        if logBefore.contains(LogWatch.internalError) {
            return LibvirtLifecycle.termination(.paused("KVM internal error"), log: log, console: console)
        }
        // The domain ended before virsh's event registration took (or as the timeout struck).
        if let ending = LibvirtLifecycle.ending(fromLog: logBefore) {
            return LibvirtLifecycle.termination(ending, log: log, console: console)
        }
        if output.contains("event loop timed out") || held.ending == .timedOut { return .timeout }
        return .vmmFailure(reason: "virsh event ended without a lifecycle event: \(Virsh.errorText(held))")
    }

    /// Watches the domain's QEMU log while virsh waits for an event, for the two endings an event can
    /// miss when the guest is quicker than virsh's event registration (it registers after `create`
    /// returns): QEMU pausing the guest on a KVM internal error (the domain then stays, paused, and no
    /// further event comes; the qemu driver stops on the same words on QEMU's stderr) and libvirt
    /// stopping the domain ("shutting down, reason=…"). Read at most every 200 ms.
    final class LogWatch: Sendable {
        static let internalError = "KVM internal error"
        static let shuttingDown = ": shutting down, reason="
        let path: String?
        /// Bytes of the log to skip: what earlier domains of the same name wrote (a restored domain's log
        /// follows the saved one's, which ends with "shutting down, reason=saved").
        let offset: Int
        private let lastRead = Mutex<Double>(0)
        private let sawEnd = Mutex<Bool>(false)

        /// The log showed an end (and so the domain had started).
        var fired: Bool { sawEnd.withLock { $0 } }

        init(path: String?, offset: Int = 0) {
            self.path = path
            self.offset = offset
        }

        func showsEnd() -> Bool {
            guard let path else { return false }
            let now = ChildProcess.now()
            let due = lastRead.withLock { last in
                guard now - last >= 0.2 else { return false }
                last = now
                return true
            }
            guard due, let bytes = CloseOnExecFile.prefix(atPath: path, limit: LibvirtDriver.logLimit)?.bytes else { return false }
            let text = String(decoding: bytes.dropFirst(offset), as: UTF8.self)
            let ended = text.contains(Self.internalError) || text.contains(Self.shuttingDown)
            if ended { sawEnd.withLock { $0 = true } }
            return ended
        }
    }

    /// How long libvirt may take to start QEMU before tck gives up on the domain.
    static let startAllowanceSeconds = 60.0
    static let consoleLimit = 1 << 20
    static let logLimit = 64 << 10

    /// The domain's QEMU log as libvirt writes it for local URIs (virtlogd); nil for others.
    func logPath(_ domain: String) -> String? {
        if uri.hasPrefix("qemu:///system") { return "/var/log/libvirt/qemu/\(domain).log" }
        if uri.hasPrefix("qemu:///session") {
            let environment = ProcessInfo.processInfo.environment
            let cache = environment["XDG_CACHE_HOME"] ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.cache")
            return "\(cache)/libvirt/qemu/log/\(domain).log"
        }
        return nil
    }

    /// "Using library: libvirt 9.0.0" → "9.0.0".
    static func versionField(_ text: String, after prefix: String) -> String? {
        text.split(separator: "\n").first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces) }
    }

    private static func failed(_ reason: String) -> DriverRun {
        DriverRun(termination: .vmmFailure(reason: reason), console: [], durationSeconds: 0)
    }
}
