/// A device the DSDT declares under `\_SB`. The machine type lists them, so a later machine type can add
/// one without touching the builder.
public struct ACPIDeviceDescription: Sendable, Hashable {
    public enum HardwareID: Sendable, Hashable {
        /// `EisaId ("PNP0501")`, compressed to a DWord.
        case eisa(String)
        /// A string id such as `"ACPI0007"`.
        case string(String)
    }

    public enum Resource: Sendable, Hashable {
        /// `IO (Decode16, base, base, alignment, length)`.
        case io(base: UInt16, length: UInt8, alignment: UInt8 = 1)
        /// `IRQNoFlags () {irq}`: ISA IRQ 0-15, edge / active high.
        case irq(UInt8)
        /// `Memory32Fixed (ReadWrite, base, length)`.
        case memory32(base: UInt32, length: UInt32)
    }

    public var name: String
    public var hardwareID: HardwareID
    public var uniqueID: UInt64?
    /// `_STA`, as a method returning this value (0x0F: present, enabled, shown, functioning).
    public var status: UInt8?
    public var resources: [Resource]

    public init(name: String, hardwareID: HardwareID, uniqueID: UInt64? = nil, status: UInt8? = nil,
                resources: [Resource] = []) {
        self.name = name
        self.hardwareID = hardwareID
        self.uniqueID = uniqueID
        self.status = status
        self.resources = resources
    }

    /// COM1: the 16550A at 0x3F8, IRQ 4.
    public static let com1 = ACPIDeviceDescription(
        name: "COM1", hardwareID: .eisa("PNP0501"), uniqueID: 1, status: 0x0F,
        resources: [.io(base: 0x3F8, length: 8), .irq(4)])

    /// The CMOS real-time clock at 0x70/0x71, IRQ 8.
    public static let rtc = ACPIDeviceDescription(
        name: "RTC", hardwareID: .eisa("PNP0B00"), status: 0x0F,
        resources: [.io(base: 0x70, length: 2), .irq(8)])

    /// The i8042 keyboard controller: data 0x60, command/status 0x64, IRQ 1.
    public static let keyboardController = ACPIDeviceDescription(
        name: "KBD", hardwareID: .eisa("PNP0303"), status: 0x0F,
        resources: [.io(base: 0x60, length: 1), .io(base: 0x64, length: 1), .irq(1)])

    func validate() throws(ACPIError) {
        guard AML.isValidNameSegment(name) else { throw .invalidName(name, context: "device") }
        switch hardwareID {
        case .eisa(let id) where !AML.EISAID.isValid(id):
            throw .invalidRange("device \(name): EISA id \"\(id)\" must be 3 letters A-Z then 4 hex digits")
        case .string(let id) where id.isEmpty || !id.utf8.allSatisfy({ (0x21...0x7E).contains($0) }):
            throw .invalidRange("device \(name): hardware id \"\(id)\" must be printable ASCII")
        default: break
        }
        for case .irq(let irq) in resources where irq > 15 {
            throw .invalidRange("device \(name): IRQ \(irq) is not an ISA IRQ (0-15)")
        }
    }
}

/// The PCI root bridge `\_SB.PCI0` and the windows it decodes.
public struct PCIHostBridgeDescription: Sendable, Hashable {
    public var name: String
    public var busNumbers: ClosedRange<UInt8>
    /// Consumed by the bridge itself: configuration mechanism #1 (0xCF8, 8 ports).
    public var configurationPortBase: UInt16
    public var configurationPortCount: UInt8
    public var ioWindows: [ClosedRange<UInt16>]
    /// Emitted as DWordMemory when below 4 GiB, else QWordMemory.
    public var memoryWindows: [ClosedRange<UInt64>]
    /// `_PRT`: where each wired INTx pin of a bus-0 device arrives; omitted when empty.
    public var interruptRoutes: [PCIInterruptRoute]

    public init(name: String = "PCI0", busNumbers: ClosedRange<UInt8> = 0...0xFF,
                configurationPortBase: UInt16 = 0xCF8, configurationPortCount: UInt8 = 8,
                ioWindows: [ClosedRange<UInt16>], memoryWindows: [ClosedRange<UInt64>],
                interruptRoutes: [PCIInterruptRoute] = []) {
        self.name = name
        self.busNumbers = busNumbers
        self.configurationPortBase = configurationPortBase
        self.configurationPortCount = configurationPortCount
        self.ioWindows = ioWindows
        self.memoryWindows = memoryWindows
        self.interruptRoutes = interruptRoutes
    }

    /// All I/O ports except the configuration ports; memory from 3 GiB (RAM below 4 GiB ends there at
    /// the latest) up to the IOAPIC at 0xFEC00000.
    public static let standard = PCIHostBridgeDescription(
        ioWindows: [0x0000...0x0CF7, 0x0D00...0xFFFF],
        memoryWindows: [0xC000_0000...0xFEBF_FFFF])

    func validate() throws(ACPIError) {
        guard AML.isValidNameSegment(name) else { throw .invalidName(name, context: "PCI host bridge") }
        // Each window becomes an address space descriptor whose length field must hold max - min + 1:
        // WordIO for I/O (at most 0xFFFF ports), QWordMemory at the widest for memory.
        for window in ioWindows where !AML.AddressSpace.fits(UInt64(window.lowerBound)...UInt64(window.upperBound), .word) {
            throw .invalidRange("PCI host bridge \(name): I/O window \(window.lowerBound)...\(window.upperBound) is longer than a "
                                + "WordIO descriptor can describe (at most 65535 ports); split it")
        }
        for window in memoryWindows where !AML.AddressSpace.fits(window, .qword) {
            throw .invalidRange("PCI host bridge \(name): memory window \(window.lowerBound)...\(window.upperBound) is longer than a "
                                + "QWordMemory descriptor can describe; split it")
        }
        for route in interruptRoutes where route.device > 31 || route.pin > 3 {
            throw .invalidRange("PCI host bridge \(name): interrupt route for device \(route.device) pin \(route.pin): "
                                + "devices are 0-31, pins 0-3 (INTA#-INTD#)")
        }
        guard Set(interruptRoutes.map { [$0.device, $0.pin] }).count == interruptRoutes.count else {
            throw .invalidRange("PCI host bridge \(name): two interrupt routes for the same device and pin")
        }
    }
}

/// One `_PRT` entry (ACPI 6.3 §6.2.13): INTx `pin` (0 = INTA#) of bus-0 `device`, any function, hard-wired
/// to `gsi` (Source = 0, so no link device). The MADT says how the GSI is triggered.
public struct PCIInterruptRoute: Sendable, Hashable {
    public var device: UInt8
    public var pin: UInt8
    public var gsi: UInt32

    public init(device: UInt8, pin: UInt8, gsi: UInt32) {
        self.device = device
        self.pin = pin
        self.gsi = gsi
    }
}
