import Foundation

/// Runs kernels on qemu-system-x86_64: KVM when /dev/kvm is usable, TCG otherwise (recorded in reports).
///
/// `microvm` boots the PVH-only images (TestGuests/build/pvh/, since QEMU tries Multiboot first);
/// `pc` boots the combined images by Multiboot, with qboot when installed (SeaBIOS takes seconds here).
public struct QEMUDriver: Driver {
    public enum MachineKind: String, Sendable, CaseIterable { case microvm, pc }

    public let name = "qemu"
    public let executable: String
    public let machine: MachineKind
    private let accel: String

    public init(executable: String, machine: MachineKind = .microvm) {
        self.executable = executable
        self.machine = machine
        self.accel = access("/dev/kvm", R_OK | W_OK) == 0 ? "kvm" : "tcg"
    }

    static let qboot = "/usr/share/qemu/qboot.rom"

    public func probe() throws(DriverUnavailable) -> DriverInfo {
        guard let resolved = Self.resolve(executable) else {
            throw DriverUnavailable(driver: name, reason: "\(executable) not found (install qemu-system-x86: make setup)")
        }
        let result = ChildProcess(executable: resolved, arguments: ["--version"], timeoutSeconds: 10).run()
        let version = String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? "unknown"
        guard case .exited(0) = result.ending else {
            throw DriverUnavailable(driver: name, reason: "\(resolved) --version failed: \(result.stderrText)")
        }
        var details = ["accel": accel, "machine": machine.rawValue,
                       "devices": "isa-debug-exit@0xf4, serial on stdio; no testdev (guests fall back to the UART)"]
        if machine == .pc { details["firmware"] = FileManager.default.fileExists(atPath: Self.qboot) ? "qboot" : "SeaBIOS" }
        return DriverInfo(name: name, version: version, executable: resolved, details: details)
    }

    /// QEMU's arguments for one test, run and recorded as they are (`DriverRun.commandLine`): the kernel
    /// by absolute path, so the line re-runs from any directory; no temporary files. A disk is a raw or qcow2
    /// `-drive` behind a modern-only virtio-blk-pci at 00:02.0, as swiftvm-1.2 has it; that needs a PCI
    /// bus, so such tests say `machine.qemu = pc` (microvm has none without pcie=on).
    public func arguments(for entry: CatalogEntry, kernelDirectory: String, disk: AttachedDisk? = nil) -> [String] {
        // A catalog machine (e.g. pc-i440fx-7.2) overrides --qemu-machine; microvm boots the PVH images.
        let machineName = entry.machine(for: name) ?? machine.rawValue
        let isMicrovm = machineName == MachineKind.microvm.rawValue
        var arguments = ["-accel", accel, "-M", machineName, "-nodefaults", "-no-user-config", "-nographic",
                         "-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-no-reboot",
                         "-m", "\(max(entry.memoryBytes >> 20, 4))M", "-smp", "\(entry.cpus)"]
        if !isMicrovm, FileManager.default.fileExists(atPath: Self.qboot) { arguments += ["-bios", Self.qboot] }
        let image = isMicrovm ? "\(kernelDirectory)/pvh/\(entry.kernel).elf" : "\(kernelDirectory)/\(entry.kernel).elf"
        arguments += ["-kernel", RecordedCommandLine.absolute(image)]
        if !entry.commandLine.isEmpty { arguments += ["-append", entry.commandLine] }
        if let disk { arguments += Self.diskArguments(disk) }
        return arguments
    }

    /// The serial GET_ID returns on QEMU (swiftvm's is its own, "swiftvm-disk0").
    static let diskSerial = "tck-disk0"

    /// `-drive` (commas in the path doubled, as QEMU's option syntax wants) and the device.
    static func diskArguments(_ disk: AttachedDisk) -> [String] {
        let file = RecordedCommandLine.absolute(disk.path).replacingOccurrences(of: ",", with: ",,")
        return ["-drive", "file=\(file),if=none,id=d0,format=\(disk.format.rawValue)" + (disk.readOnly ? ",readonly=on" : ""),
                "-device", "virtio-blk-pci,drive=d0,disable-legacy=on,serial=\(diskSerial),addr=0x2"]
    }

    public func run(_ entry: CatalogEntry, kernelDirectory: String, cancelled: @escaping @Sendable () -> Bool) -> DriverRun {
        run(entry, kernelDirectory: kernelDirectory, disk: nil, cancelled: cancelled)
    }

    public func run(_ entry: CatalogEntry, kernelDirectory: String, disk: AttachedDisk?,
                    cancelled: @escaping @Sendable () -> Bool) -> DriverRun {
        var process = ChildProcess(executable: Self.resolve(executable) ?? executable,
                                   arguments: arguments(for: entry, kernelDirectory: kernelDirectory, disk: disk),
                                   timeoutSeconds: entry.timeoutSeconds)
        // QEMU pauses the guest on a KVM internal error (e.g. an emulation failure) rather than exiting.
        process.stopWhenStderrContains = "KVM internal error"
        return process.driverRun(cancelled: cancelled, decode: Self.termination)
    }

    /// isa-debug-exit makes QEMU exit with (v << 1) | 1. Status 0 without it means the guest shut the
    /// machine down or reset it (-no-reboot turns a triple fault into an exit). QEMU's own errors also
    /// exit 1 — the same status as a guest exit 0 — but they print "qemu-system-…:" lines on stderr.
    /// A virtio device's verdict on a guest that broke the ring rules is printed the same way, but QEMU
    /// runs on (`guestCausedDeviceErrors`): those stay in the diagnostics and decide nothing.
    static func termination(status: Int32, stderr: String) -> DriverRun.Termination {
        let qemuErrors = stderr.split(separator: "\n").filter {
            $0.hasPrefix("qemu-system") && !$0.contains("warning:") && !isGuestCausedDeviceError($0)
        }
        if let error = qemuErrors.first { return .vmmFailure(reason: String(error)) }
        if status == 0 { return .guestCrash(reason: "guest reset or shut down the machine without debug-exit (triple fault?)") }
        if status & 1 == 1 { return .guestExit(code: UInt32(status >> 1)) }
        return .vmmFailure(reason: "qemu exited with status \(status)")
    }

    /// What QEMU 7.2's virtio_error() prints for the split-ring and virtio-blk rules a driver can break
    /// (hw/virtio/virtio.c, hw/block/virtio-blk.c). virtio_error() sets DEVICE_NEEDS_RESET, marks the
    /// device broken until the driver resets it, and returns: QEMU keeps running, and the guest sees the
    /// device's answer (the hostile-virtio-* kernels provoke these on purpose). Matched as prefixes of
    /// the text after "qemu-system-…: ".
    static let guestCausedDeviceErrors = [
        "Looped descriptor", "Incorrect order for descriptors", "Invalid size for indirect buffer table",
        "Cannot map indirect buffer", "Cannot map descriptor ring", "Virtqueue size exceeded", "Desc next is ",
        "Guest says index ", "Guest moved avail index from ", "Region caches not initialized",
        "virtio: zero sized buffers are not allowed", "virtio: too many write descriptors in indirect table",
        "virtio: bogus descriptor or out of resources",
        "virtio-blk missing headers", "virtio-blk request outhdr too short", "virtio-blk request inhdr too short",
    ]

    static func isGuestCausedDeviceError(_ line: Substring) -> Bool {
        guard let colon = line.range(of: ": ") else { return false }
        let message = line[colon.upperBound...]
        return guestCausedDeviceErrors.contains { message.hasPrefix($0) }
    }

    static func resolve(_ executable: String) -> String? {
        if executable.contains("/") { return access(executable, X_OK) == 0 ? executable : nil }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let candidate = "\(directory)/\(executable)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
