/// Multiple APIC Description Table (ACPI 6.x §5.2.12): header, local APIC address (36), flags (40,
/// bit 0 PCAT_COMPAT: dual 8259s present), then interrupt controller structures:
///
/// ```
/// type 0 Processor Local APIC     8 bytes: type, 8, ACPI processor UID, APIC ID, flags:u32 (bit 0 enabled)
/// type 1 I/O APIC                12 bytes: type, 12, I/O APIC ID, 0, address:u32, GSI base:u32
/// type 2 Interrupt Source Override 10 bytes: type, 10, bus 0 (ISA), source IRQ, GSI:u32, flags:u16
/// type 4 Local APIC NMI           6 bytes: type, 6, ACPI processor UID (0xFF = all), flags:u16, LINT#
/// ```
///
/// MPS INTI flags (overrides and NMIs): bits 0-1 polarity (1 active high, 3 active low), bits 2-3
/// trigger mode (1 edge, 3 level). We always write an explicit value, never "conforms to the bus".
public struct MADT: Sendable, Equatable {
    public static let signature = "APIC"
    public static let pcatCompatible: UInt32 = 1 << 0

    public var revision: UInt8
    public var cpuCount: Int
    public var localAPICAddress: UInt32
    public var ioAPIC: IOAPICDescription
    public var interruptOverrides: [InterruptSourceOverride]
    public var localAPICNMIs: [LocalAPICNMI]

    public init(revision: UInt8, cpuCount: Int, localAPICAddress: UInt32, ioAPIC: IOAPICDescription,
                interruptOverrides: [InterruptSourceOverride], localAPICNMIs: [LocalAPICNMI]) {
        self.revision = revision
        self.cpuCount = cpuCount
        self.localAPICAddress = localAPICAddress
        self.ioAPIC = ioAPIC
        self.interruptOverrides = interruptOverrides
        self.localAPICNMIs = localAPICNMIs
    }

    /// One Processor Local APIC per vCPU: ACPI processor UID = APIC ID = vCPU index, enabled.
    public func bytes(identity: ACPIIdentity) -> [UInt8] {
        SDTHeader(signature: Self.signature, revision: revision, identity: identity).table { sink in
            sink.put32(localAPICAddress)
            sink.put32(Self.pcatCompatible)
            for index in 0..<cpuCount {
                sink.put([0, 8, UInt8(index), UInt8(index)])
                sink.put32(1)  // enabled (online-capable must then be 0)
            }
            sink.put([1, 12, ioAPIC.id, 0])
            sink.put32(ioAPIC.address)
            sink.put32(ioAPIC.gsiBase)
            for override in interruptOverrides {
                sink.put([2, 10, 0, override.irq])
                sink.put32(override.gsi)
                sink.put16(override.flags.rawValue)
            }
            for nmi in localAPICNMIs {
                sink.put([4, 6, nmi.processorUID])
                sink.put16(nmi.flags.rawValue)
                sink.put(nmi.lint)
            }
        }
    }
}

public struct IOAPICDescription: Sendable, Equatable, Hashable {
    public var id: UInt8
    public var address: UInt32
    public var gsiBase: UInt32

    /// ID 0 at 0xFEC00000, GSIs from 0. KVM's in-kernel IOAPIC resets its ID register to 0, so the MADT
    /// agrees with what the guest reads back (QEMU's MADT says 0 too).
    public init(id: UInt8 = 0, address: UInt32 = 0xFEC0_0000, gsiBase: UInt32 = 0) {
        self.id = id
        self.address = address
        self.gsiBase = gsiBase
    }
}

/// MPS INTI flags: polarity and trigger mode.
public struct InterruptFlags: Sendable, Equatable, Hashable {
    public enum Polarity: UInt16, Sendable { case conforming = 0, activeHigh = 1, activeLow = 3 }
    public enum Trigger: UInt16, Sendable { case conforming = 0, edge = 1, level = 3 }

    public var polarity: Polarity
    public var trigger: Trigger

    public init(polarity: Polarity, trigger: Trigger) {
        self.polarity = polarity
        self.trigger = trigger
    }

    public var rawValue: UInt16 { polarity.rawValue | trigger.rawValue << 2 }

    public static let edgeHigh = InterruptFlags(polarity: .activeHigh, trigger: .edge)
    public static let levelHigh = InterruptFlags(polarity: .activeHigh, trigger: .level)
    public static let levelLow = InterruptFlags(polarity: .activeLow, trigger: .level)
}

public struct InterruptSourceOverride: Sendable, Equatable, Hashable {
    public var irq: UInt8
    public var gsi: UInt32
    public var flags: InterruptFlags

    public init(irq: UInt8, gsi: UInt32, flags: InterruptFlags) {
        self.irq = irq
        self.gsi = gsi
        self.flags = flags
    }

    /// The PC's timer: ISA IRQ 0 arrives on IOAPIC pin 2, edge / active high.
    public static let timer = InterruptSourceOverride(irq: 0, gsi: 2, flags: .edgeHigh)
    /// The SCI: IRQ 9, level / active high (the SCI is level-triggered, shareable).
    public static let sci = InterruptSourceOverride(irq: 9, gsi: 9, flags: .levelHigh)
}

public struct LocalAPICNMI: Sendable, Equatable, Hashable {
    public static let allProcessors: UInt8 = 0xFF

    public var processorUID: UInt8
    public var flags: InterruptFlags
    public var lint: UInt8

    public init(processorUID: UInt8 = LocalAPICNMI.allProcessors, flags: InterruptFlags = .edgeHigh,
                lint: UInt8) {
        self.processorUID = processorUID
        self.flags = flags
        self.lint = lint
    }

    /// NMI wired to LINT1 of every local APIC, as on PCs.
    public static let lint1 = LocalAPICNMI(lint: 1)
}
