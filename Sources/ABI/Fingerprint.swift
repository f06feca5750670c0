import Foundation

/// Everything the guest could see of one machine, captured from inside the guest, in a canonical
/// form: sorted keys, numbers as fixed-width hex strings, masked fields removed; beside it, when the
/// driver can tell, the tables the VMM programmed into KVM. `hash` covers `abi` and `programmed`;
/// `context` says where and how it was captured and is never compared.
/// Schema: docs/abi-fingerprint.md.
public struct Fingerprint: Codable, Equatable, Sendable {
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    /// The machine type the VMM was asked for ("swiftvm-1.0", "pc-i440fx-7.2", …).
    public var machine: String
    public var cpus: Int
    public var memoryBytes: UInt64
    public var abi: ABIView
    /// What the VMM programmed into KVM (swiftvm: `--tables`): independent of the host, so compared on
    /// every host, also where KVM does not honour it. nil when the driver cannot tell (QEMU).
    public var programmed: ProgrammedView?
    /// The mask rules that removed something from `abi` (rule names; docs/abi-fingerprint.md).
    public var masked: [String]
    /// What each of those rules masked, by rule name ("CPUID.1.0:ECX", "CPUID.7.1 leaf"). Absent from
    /// fingerprints written before it existed.
    public var maskedItems: [String: [String]]?
    /// "sha256:<hex>" of the canonical JSON of `abi` (and of `programmed` beside it, when present).
    public var hash: String
    public var context: CaptureContext

    public init(machine: String, cpus: Int, memoryBytes: UInt64, abi: ABIView, programmed: ProgrammedView? = nil,
                masked: [String], maskedItems: [String: [String]]? = nil, context: CaptureContext) {
        self.schemaVersion = Self.currentSchemaVersion
        self.machine = machine
        self.cpus = cpus
        self.memoryBytes = memoryBytes
        self.abi = abi
        self.programmed = programmed
        self.masked = masked
        self.maskedItems = maskedItems
        self.hash = Self.hash(abi: abi, programmed: programmed)
        self.context = context
    }

    /// The ABI's identity: the in-guest view alone when nothing was programmed, else both together.
    public static func hash(abi: ABIView, programmed: ProgrammedView?) -> String {
        struct Both: Encodable { let abi: ABIView; let programmed: ProgrammedView }
        let bytes = programmed.map { canonicalJSON(Both(abi: abi, programmed: $0)) } ?? canonicalJSON(abi)
        return "sha256:" + SHA256.hex(bytes)
    }

    /// Sorted keys, no insignificant whitespace: the same ABI always gives the same bytes.
    public static func canonicalJSON<T: Encodable>(_ value: T) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)) ?? Data()
    }
}

/// Where a fingerprint came from: recorded so a diff can say whether the host or the VMM changed.
public struct CaptureContext: Codable, Equatable, Sendable {
    public var driver: String
    public var driverVersion: String
    public var hostKernel: String
    public var hostCPU: String
    public var kvm: String
    /// "sha256:…" of the host's KVM_GET_SUPPORTED_CPUID, when the driver can tell.
    public var kvmSupportedCPUIDHash: String?
    public var capturedAt: String

    public init(driver: String, driverVersion: String, hostKernel: String, hostCPU: String, kvm: String,
                kvmSupportedCPUIDHash: String?, capturedAt: String) {
        self.driver = driver
        self.driverVersion = driverVersion
        self.hostKernel = hostKernel
        self.hostCPU = hostCPU
        self.kvm = kvm
        self.kvmSupportedCPUIDHash = kvmSupportedCPUIDHash
        self.capturedAt = capturedAt
    }
}

/// The compared part of a fingerprint, one dictionary per area, keyed so that the same item has the
/// same key on every capture.
public struct ABIView: Codable, Equatable, Sendable {
    /// "00000007.0" → registers.
    public var cpuid: [String: CPUIDValue] = [:]
    public var memoryMap: [MemoryRange] = []
    /// "FACP", "APIC", "DSDT", "RSD PTR" (a second table with the same signature: "SSDT#2").
    public var acpi: [String: ACPITable] = [:]
    public var rsdp: RSDPLocation?
    /// "00:01.0" → config space.
    public var pci: [String: PCIFunctionView] = [:]
    /// "00:01.0 BAR0" → size probe.
    public var pciBARs: [String: BARProbe] = [:]
    /// Register offset "0x030" → value.
    public var localAPIC: [String: String] = [:]
    public var ioAPIC: [String: String] = [:]
    /// MSR index "0xc0000080" → read result.
    public var msr: [String: MSRValue] = [:]
    /// "0x0061/1" → value read.
    public var ports: [String: String] = [:]
    /// CMOS index "0x0f" → value.
    public var cmos: [String: String] = [:]
    /// "00:02.0" → the virtio-pci function's transport view (record type 12). nil (absent from the JSON,
    /// so the hash is unchanged) when the machine has no virtio function.
    public var virtio: [String: VirtioFunctionView]?
    /// Record types this version does not decode, as hex, so they are still compared.
    public var unknown: [String: String] = [:]

    public init() {}
}

public struct CPUIDValue: Codable, Equatable, Sendable {
    public var eax: String, ebx: String, ecx: String, edx: String
}

public struct MemoryRange: Codable, Equatable, Sendable {
    public var address: String
    public var size: String
    public var type: UInt32
}

public struct ACPITable: Codable, Equatable, Sendable {
    public var address: String
    public var length: UInt32
    public var revision: UInt8
    public var oemID: String
    public var oemTableID: String
    public var oemRevision: String
    public var creatorID: String
    public var creatorRevision: String
    /// The whole table (or RSDP) as hex.
    public var bytes: String
}

public struct RSDPLocation: Codable, Equatable, Sendable {
    public var bootInfo: String
    public var legacyScan: String
}

public struct PCIFunctionView: Codable, Equatable, Sendable {
    public var vendorID: String
    public var deviceID: String
    public var classCode: String
    public var revision: String
    /// All 256 bytes as hex.
    public var config: String
}

public struct BARProbe: Codable, Equatable, Sendable {
    public var original: String
    public var sizeMask: String
}

public struct MSRValue: Codable, Equatable, Sendable {
    public var readable: Bool
    public var value: String
}

/// Fixed-width lowercase hex, "0x" + digits.
func hex<T: FixedWidthInteger>(_ value: T, width: Int = MemoryLayout<T>.size * 2) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, width - digits.count)) + digits
}

func hexBytes(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { byte in
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }.joined()
}
