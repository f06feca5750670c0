/// Differentiated System Description Table: the header, then one AML `Scope (\_SB)` holding the PCI
/// root bridge, the configured devices and the processor devices. In ASL:
///
/// ```
/// DefinitionBlock ("", "DSDT", 2, "SWIFVM", "SVM-1.0 ", 1) {
///   Scope (\_SB) {
///     Device (PCI0) {
///       Name (_HID, EisaId ("PNP0A03"))  Name (_UID, Zero)  Name (_BBN, Zero)
///       Name (_CRS, ResourceTemplate () {
///         WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode, 0, 0, 0xFF, 0, 0x100)
///         IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
///         WordIO (…, EntireRange, 0, 0x0000, 0x0CF7, 0, 0x0CF8)
///         WordIO (…, EntireRange, 0, 0x0D00, 0xFFFF, 0, 0xF300)
///         DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite,
///                      0, 0xC0000000, 0xFEBFFFFF, 0, 0x3EC00000)
///       })
///       Name (_PRT, Package () { Package () { 0x0002FFFF, Zero, Zero, 0x0A } })   // only with routes (swiftvm-1.2: virtio-blk INTA#)
///     }
///     Device (COM1) {
///       Name (_HID, EisaId ("PNP0501"))  Name (_UID, One)
///       Method (_STA, 0, NotSerialized) { Return (0x0F) }
///       Name (_CRS, ResourceTemplate () { IO (Decode16, 0x03F8, 0x03F8, 0x01, 0x08)  IRQNoFlags () {4} })
///     }
///     Device (RTC) { … PNP0B00, IO 0x70/2, IRQ 8 }   Device (KBD) { … PNP0303, IO 0x60, IO 0x64, IRQ 1 }
///     Device (C000) { Name (_HID, "ACPI0007")  Name (_UID, Zero) }   … one per vCPU
///   }
/// }
/// ```
///
/// PCI0 has no `_ADR`: a device carries either `_HID` or `_ADR`, not both (ACPI 6.x §6.1), and iasl
/// flags the pair. `_BBN` gives the root bus number instead.
public struct DSDT: Sendable {
    public static let signature = "DSDT"

    public var revision: UInt8
    public var pciHostBridge: PCIHostBridgeDescription?
    public var devices: [ACPIDeviceDescription]
    public var processorCount: Int

    public init(revision: UInt8, pciHostBridge: PCIHostBridgeDescription?, devices: [ACPIDeviceDescription],
                processorCount: Int) {
        self.revision = revision
        self.pciHostBridge = pciHostBridge
        self.devices = devices
        self.processorCount = processorCount
    }

    /// `C000`, `C001`, … `C0FE`: the processor device for vCPU `index`.
    public static func processorDeviceName(_ index: Int) -> String {
        let hex = String(index, radix: 16, uppercase: true)
        return "C" + String(repeating: "0", count: max(0, 3 - hex.count)) + hex
    }

    /// The AML definition block (everything after the header).
    public var definitionBlock: [any AMLEncodable] {
        var terms: [any AMLEncodable] = []
        if let bridge = pciHostBridge { terms.append(Self.device(for: bridge)) }
        terms += devices.map(Self.device(for:))
        terms += (0..<processorCount).map { index in
            AML.Device(AML.NameString(Self.processorDeviceName(index)), [
                AML.Name("_HID", AML.StringConstant("ACPI0007")),
                AML.Name("_UID", AML.Integer(UInt64(index))),
            ])
        }
        return [AML.Scope("\\_SB", terms)]
    }

    public func bytes(identity: ACPIIdentity) -> [UInt8] {
        SDTHeader(signature: Self.signature, revision: revision, identity: identity).table { sink in
            AML.encodeTerms(definitionBlock, into: &sink)
        }
    }

    static func device(for bridge: PCIHostBridgeDescription) -> AML.Device {
        var resources: [any AMLResourceDescriptor] = [
            AML.AddressSpace(.word, .busNumber, UInt64(bridge.busNumbers.lowerBound)...UInt64(bridge.busNumbers.upperBound)),
            AML.IO(base: bridge.configurationPortBase, length: bridge.configurationPortCount),
        ]
        resources += bridge.ioWindows.map { AML.AddressSpace(.word, .io, UInt64($0.lowerBound)...UInt64($0.upperBound)) }
        resources += bridge.memoryWindows.map { window in
            let width: AML.AddressSpace.Width = AML.AddressSpace.fits(window, .dword) ? .dword : .qword
            return AML.AddressSpace(width, .memory(cacheable: false, writable: true), window)
        }
        var terms: [any AMLEncodable] = [
            AML.Name("_HID", AML.EISAID("PNP0A03")),
            AML.Name("_UID", AML.Integer(0)),
            AML.Name("_BBN", AML.Integer(UInt64(bridge.busNumbers.lowerBound))),
            AML.Name("_CRS", AML.ResourceTemplate(resources)),
        ]
        if !bridge.interruptRoutes.isEmpty {
            // Package { Address (device << 16 | 0xFFFF: any function), Pin, Source (0: hard-wired), Source Index (GSI) }
            terms.append(AML.Name("_PRT", AML.Package(bridge.interruptRoutes.map { route in
                AML.Package([AML.Integer(UInt64(route.device) << 16 | 0xFFFF), AML.Integer(UInt64(route.pin)),
                             AML.Integer(0), AML.Integer(UInt64(route.gsi))])
            })))
        }
        return AML.Device(AML.NameString(bridge.name), terms)
    }

    static func device(for description: ACPIDeviceDescription) -> AML.Device {
        var terms: [any AMLEncodable] = []
        switch description.hardwareID {
        case .eisa(let id): terms.append(AML.Name("_HID", AML.EISAID(id)))
        case .string(let id): terms.append(AML.Name("_HID", AML.StringConstant(id)))
        }
        if let uid = description.uniqueID { terms.append(AML.Name("_UID", AML.Integer(uid))) }
        if let status = description.status {
            terms.append(AML.Method("_STA", [AML.Return(AML.Integer(UInt64(status)))]))
        }
        if !description.resources.isEmpty {
            let resources: [any AMLResourceDescriptor] = description.resources.map { resource in
                switch resource {
                case .io(let base, let length, let alignment): AML.IO(base: base, length: length, alignment: alignment)
                case .irq(let irq): AML.IRQNoFlags([irq])
                case .memory32(let base, let length): AML.Memory32Fixed(base: base, length: length)
                }
            }
            terms.append(AML.Name("_CRS", AML.ResourceTemplate(resources)))
        }
        return AML.Device(AML.NameString(description.name), terms)
    }
}
