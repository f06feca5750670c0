import ABI
import Foundation

/// Captures a fingerprint: boots the ABI-probe kernel on a driver, collects its records (testdev data
/// stream, or `abi.record` console lines where there is none) and builds the canonical fingerprint.
public struct ABICapture: Sendable {
    public static let probeKernel = "abiprobe"

    public var machine: String?
    public var cpus: Int
    public var memoryBytes: UInt64
    public var timeoutSeconds: Double
    /// A disk for the machine's virtio-blk slot (made in a private temporary directory, removed after):
    /// lets a driver that has no drive without an image (QEMU) show its virtio-blk function. Its capacity
    /// is capture context, not ABI.
    public var disk: DiskSpec?

    public init(machine: String?, cpus: Int = 2, memoryBytes: UInt64 = 64 << 20, timeoutSeconds: Double = 30,
                disk: DiskSpec? = nil) {
        self.machine = machine
        self.cpus = cpus
        self.memoryBytes = memoryBytes
        self.timeoutSeconds = timeoutSeconds
        self.disk = disk
    }

    public struct Captured: Sendable {
        public let fingerprint: Fingerprint
        /// Records that could not be decoded, or a count that does not match `abi.end`.
        public let problems: [String]
        public let run: DriverRun
    }

    public func capture(driver: any Driver, info: DriverInfo, kernelDirectory: String,
                        kvmSupportedCPUIDHash: String? = nil) throws(ABICaptureError) -> Captured {
        let entry = CatalogEntry(name: "abi-dump", kernel: Self.probeKernel, cpus: cpus, memoryBytes: memoryBytes,
                                 timeoutSeconds: timeoutSeconds, defaultMachine: machine)
        // swiftvm can say what it programmed into KVM; a fingerprint records it beside the in-guest view.
        var vmm = driver
        if var swiftvm = driver as? SwiftVMDriver {
            swiftvm.recordsProgrammedTables = true
            vmm = swiftvm
        }
        let run: DriverRun
        if let disk {
            let directory = NSTemporaryDirectory() + "tck-abi-disk-\(getpid())-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let path = DiskImages.path(directory: directory, driver: driver.name, test: entry.name)
            do { try DiskImages.create(disk, at: path) } catch { throw .probeFailed(error.description) }
            run = vmm.run(entry, kernelDirectory: kernelDirectory, disk: AttachedDisk(path: path, readOnly: disk.readOnly),
                          cancelled: { false })
        } else {
            run = vmm.run(entry, kernelDirectory: kernelDirectory, cancelled: { false })
        }
        // A probe that reports failing cases still delivered its records: those failures become problems.
        guard case .guestExit = run.termination else {
            throw .probeFailed("the ABI probe did not finish cleanly on \(driver.name): \(Judge.exitDescription(run.termination))"
                               + (run.diagnostics.isEmpty ? "" : "; \(run.diagnostics.split(separator: "\n").first ?? "")"))
        }
        let parsed = ResultProtocol.parse(run.console)
        let hexLines = parsed.data.filter { $0.key == "abi.record" }.map(\.value)
        let records: [ABIRecord]
        do {
            records = run.data.isEmpty ? try ABIRecordDecoder.decode(hexRecords: hexLines) : try ABIRecordDecoder.decode(stream: run.data)
        } catch {
            throw .badRecords(error.description)
        }
        var problems = parsed.cases.filter { $0.status == .fail }.map { "probe case \($0.name) failed" + ($0.message.map { ": \($0)" } ?? "") }
        guard parsed.data.contains(where: { $0.key == "abi.end" }) else {
            throw .probeFailed("the ABI probe on \(driver.name) stopped before abi.end: \(Judge.exitDescription(run.termination))")
        }
        if let announced = parsed.data.first(where: { $0.key == "abi.end" }).flatMap({ Int($0.value) }), announced != records.count {
            problems.append("the probe announced \(announced) records but \(records.count) arrived")
        }
        let programmed: ProgrammedView?
        do { programmed = try run.programmedTables.map(ProgrammedView.parse) } catch {
            throw .badRecords("\(driver.name) --tables: \(error)")
        }
        let host = HostProbe.current()
        let context = CaptureContext(driver: info.name, driverVersion: info.version, hostKernel: host.kernel, hostCPU: host.cpu,
                                     kvm: host.kvm, kvmSupportedCPUIDHash: kvmSupportedCPUIDHash,
                                     capturedAt: Date().ISO8601Format())
        let built = FingerprintBuilder.fingerprint(records: records, machine: machine ?? info.details["machine"] ?? "default",
                                                   cpus: cpus, memoryBytes: memoryBytes, context: context,
                                                   masks: MaskRules.forHost(kvm: host.kvm), programmed: programmed)
        let inconsistent = programmed.map { ProgrammedConsistency.problems(view: built.fingerprint.abi, programmed: $0) } ?? []
        return Captured(fingerprint: built.fingerprint, problems: problems + built.problems + inconsistent, run: run)
    }

    /// Writes each captured ACPI table (and the RSDP) as `<SIG>.dat`, as `acpidump -b` does, for `iasl -d`.
    public static func writeTables(of fingerprint: Fingerprint, to directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try fingerprint.abi.acpi.keys.sorted().map { key in
            let name = key == "RSD PTR" ? "RSDP" : key.replacingOccurrences(of: "#", with: "")
            let path = (directory as NSString).appendingPathComponent("\(name).dat")
            let bytes = ABIRecordDecoder.bytes(fromHex: fingerprint.abi.acpi[key]?.bytes ?? "") ?? []
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }
    }
}

public enum ABICaptureError: Error, Equatable, Sendable, CustomStringConvertible {
    case probeFailed(String)
    case badRecords(String)

    public var description: String {
        switch self {
        case let .probeFailed(why): why
        case let .badRecords(why): "the ABI probe's records could not be decoded: \(why)"
        }
    }
}
