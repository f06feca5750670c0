import ACPI
import BlockBackends
import Devices
import Virtio

/// A versioned, immutable definition of everything a guest can see: once released, a machine type
/// never changes; a change to what guests see is a new machine type (swiftvm-1.1, …), documented in
/// `changes` and visible in `tck abi diff`.
public struct MachineType: Sendable, Equatable {
    public let name: String
    public let summary: String
    /// What is different from the previous machine type, for `swiftvm machines` and release notes.
    public let changes: [String]
    public let cpu: CPUModel
    /// PCI functions on bus 0, by slot (the host bridge at 00:00.0 included).
    public let pciFunctions: [PCISlot]
    /// The OEM table ID in every ACPI table header (8 characters at most).
    public let acpiTableID: String
    /// Devices the DSDT describes under \_SB (besides the PCI root bridge and the processors).
    public let acpiDevices: [ACPIDeviceDescription]
    /// Every MSR the guest can reach, and its behaviour; the rest raise #GP.
    public let msrs: MSRPolicy
    /// A virtio-blk disk controller (modern virtio-pci), when the machine type has one.
    public let virtioBlock: VirtioBlockSlot?

    public init(name: String, summary: String, changes: [String], cpu: CPUModel, pciFunctions: [PCISlot],
                acpiTableID: String = "SWIFTVM", acpiDevices: [ACPIDeviceDescription] = [.com1, .rtc, .keyboardController],
                msrs: MSRPolicy = .v1, virtioBlock: VirtioBlockSlot? = nil) {
        self.name = name
        self.summary = summary
        self.changes = changes
        self.cpu = cpu
        self.pciFunctions = pciFunctions
        self.acpiTableID = acpiTableID
        self.acpiDevices = acpiDevices
        self.msrs = msrs
        self.virtioBlock = virtioBlock
    }

    /// This machine type with the CPU model's features changed (`swiftvm run --cpu-features`): for
    /// experiments and for proving that the ABI gate notices. The name stays, so a fingerprint taken
    /// with it fails `tck abi check` against the real machine type's baseline.
    public func withCPUFeatures(adding added: [String], removing removed: [String]) throws(CPUModelError) -> MachineType {
        var names = cpu.featureNames.filter { !removed.contains($0) }
        names += added.filter { !names.contains($0) }
        let model = CPUModel(vendor: cpu.vendor, family: cpu.family, model: cpu.model, stepping: cpu.stepping, brand: cpu.brand,
                             maxBasicLeaf: cpu.maxBasicLeaf, maxExtendedLeaf: cpu.maxExtendedLeaf,
                             physicalAddressBits: cpu.physicalAddressBits, virtualAddressBits: cpu.virtualAddressBits,
                             featureNames: names)
        _ = try model.features()   // an unknown name is refused here, not at boot
        return MachineType(name: name, summary: summary, changes: changes, cpu: model, pciFunctions: pciFunctions,
                           acpiTableID: acpiTableID, acpiDevices: acpiDevices, msrs: msrs, virtioBlock: virtioBlock)
    }
}

/// One PCI function at a fixed address: part of the machine type, so it never moves.
public struct PCISlot: Sendable, Equatable {
    public let address: PCIAddress
    public let function: PCIFunction

    public init(_ address: PCIAddress, _ function: PCIFunction) {
        self.address = address
        self.function = function
    }
}

/// Where a machine type's virtio-blk function sits and where its INTA# goes. The interrupt line register
/// says `gsi`, as firmware would leave it; the in-kernel IOAPIC pin of that number receives the level.
public struct VirtioBlockSlot: Sendable, Equatable {
    public let address: PCIAddress
    public let gsi: UInt32

    public init(address: PCIAddress, gsi: UInt32) {
        self.address = address
        self.gsi = gsi
    }
}

extension MachineType {
    /// For `swiftvm machines -v`: the virtio-blk function as a guest finds it.
    public var virtioBlockSummary: String? {
        guard let slot = virtioBlock else { return nil }
        let features = VirtioBlockFeatures.offered(readOnly: false).names(deviceType: .block).joined(separator: " ")
        let queues = VirtioBlockDevice(backend: EmptyMedium()).queueMaxSizes
        return "\(slot.address) 1af4:1042; features \(features) (and VIRTIO_BLK_F_RO on a read-only image); "
            + "\(queues.count) queue of at most \(queues[0]) entries; \(queues.count + 1) MSI-X vectors; INTA# on GSI \(slot.gsi)"
    }

    /// The DSDT's `_PRT`: the INTx pins wired to the IOAPIC (the virtio disk's INTA#).
    public var pciInterruptRoutes: [PCIInterruptRoute] {
        virtioBlock.map { [PCIInterruptRoute(device: $0.address.device, pin: 0, gsi: $0.gsi)] } ?? []
    }

    /// The MADT's interrupt source overrides: the PC's timer and SCI, and each PCI INTx GSI as level /
    /// active high (KVM's IOAPIC takes a line level as asserted-high, as QEMU's pc declares IRQs 5, 9-11).
    public var interruptOverrides: [InterruptSourceOverride] {
        [.timer, .sci] + pciInterruptRoutes.filter { $0.gsi < 16 && $0.gsi != 9 }.map {
            InterruptSourceOverride(irq: UInt8($0.gsi), gsi: $0.gsi, flags: .levelHigh)
        }
    }
}

/// The machine types this release knows, oldest first; the newest is the default.
///
/// Each is built on first use, and `named` and `latest` build only the one asked for: a run boots one,
/// and building all three took ~0.18 ms of every swiftvm start (CPU models from feature names).
/// CPUModelTests checks that `named` finds every type of `all`, and that `latest` is the last.
public enum MachineTypes {
    public static var all: [MachineType] { [v1_0, v1_1, v1_2] }
    public static var latest: MachineType { v1_2 }

    public static func named(_ name: String) throws(MachineTypeError) -> MachineType {
        switch name {
        case "swiftvm-1.0": v1_0
        case "swiftvm-1.1": v1_1
        case "swiftvm-1.2": v1_2
        default: throw .unknown(name, known: all.map(\.name))
        }
    }

    /// x86-64 baseline an emulating KVM host (kvm_pvm) can run: no SSE3 or later, no XSAVE, no PCID.
    static let baselineFeatures = [
        "fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", "sep", "mtrr", "pge", "mca", "cmov", "pat",
        "pse36", "clflush", "mmx", "fxsr", "sse", "sse2", "x2apic", "hypervisor", "arat",
        "syscall", "nx", "lm", "lahf_lm",
        "kvm_clocksource", "kvm_nop_io_delay", "kvm_clocksource2", "kvm_pv_eoi",
    ]

    static let v1_0 = MachineType(
        name: "swiftvm-1.0",
        summary: "AMD family 17h vCPU (on Intel and AMD hosts alike), x86-64 baseline; i440FX host bridge, 16550A, i8042, CMOS RTC, debug-exit",
        changes: ["first release"],
        cpu: CPUModel(vendor: .amd, family: 0x17, model: 0x31, stepping: 0, brand: "swiftvm virtual CPU",
                      maxBasicLeaf: 0xB, maxExtendedLeaf: 0x8000_0008, physicalAddressBits: 40, virtualAddressBits: 48,
                      featureNames: baselineFeatures),
        pciFunctions: [PCISlot(PCIAddress(device: 0), .i440fxHostBridge())])

    static let v1_1 = MachineType(
        name: "swiftvm-1.1",
        summary: "swiftvm-1.0 plus an invariant TSC and a PCI test device",
        changes: ["CPUID.80000007.0:EDX[8] invtsc: set (the TSC runs at a constant rate in every C/P-state)",
                  "PCI 00:01.0: test device 1b36:0005 with a 4 KiB memory BAR0, a 256-byte I/O BAR1 and a 64-bit 1 MiB BAR2"],
        cpu: CPUModel(vendor: .amd, family: 0x17, model: 0x31, stepping: 0, brand: "swiftvm virtual CPU",
                      maxBasicLeaf: 0xB, maxExtendedLeaf: 0x8000_0008, physicalAddressBits: 40, virtualAddressBits: 48,
                      featureNames: baselineFeatures + ["invtsc"]),
        pciFunctions: [PCISlot(PCIAddress(device: 0), .i440fxHostBridge()), PCISlot(PCIAddress(device: 1), .testDevice())])
}

extension MachineTypes {
    static let v1_2 = MachineType(
        name: "swiftvm-1.2",
        summary: "swiftvm-1.1 plus a virtio-blk disk (modern virtio-pci, MSI-X, INTx on GSI 10) at 00:02.0",
        changes: ["PCI 00:02.0: virtio-blk 1af4:1042 rev 1, modern virtio-pci only: common/notify/ISR/device config and "
                  + "MSI-X (2 vectors) in a 64-bit 32 KiB memory BAR4; INTA# on GSI 10 (Interrupt Line 10); `--disk FILE[,readonly]`",
                  "DSDT: PCI0._PRT routes 00:02.0 INTA# to GSI 10",
                  "MADT: interrupt source override ISA IRQ 10 → GSI 10, level, active high"],
        cpu: v1_1.cpu,
        pciFunctions: v1_1.pciFunctions,
        virtioBlock: VirtioBlockSlot(address: PCIAddress(device: 2), gsi: 10))
}

public enum MachineTypeError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknown(String, known: [String])

    public var description: String {
        switch self {
        case let .unknown(name, known):
            "unknown machine type '\(name)'; known: \(known.joined(separator: ", ")) (see `swiftvm machines`)"
        }
    }
}
