/// Everything a machine type decides about its ACPI tables. Two equal configurations built at the same
/// addresses give byte-identical tables.
public struct ACPIConfiguration: Sendable, Equatable {
    /// Revisions per table. The defaults follow ACPI 6.3, the newest revision the acpica-tools we judge
    /// with (iasl 20200925) know: FADT 6.3, MADT 5, DSDT 2 (64-bit AML integers).
    public struct Revisions: Sendable, Equatable, Hashable {
        public var fadtMajor: UInt8
        public var fadtMinor: UInt8
        public var madt: UInt8
        public var dsdt: UInt8

        public init(fadtMajor: UInt8 = 6, fadtMinor: UInt8 = 3, madt: UInt8 = 5, dsdt: UInt8 = 2) {
            self.fadtMajor = fadtMajor
            self.fadtMinor = fadtMinor
            self.madt = madt
            self.dsdt = dsdt
        }
    }

    public var cpuCount: Int
    public var identity: ACPIIdentity
    public var revisions: Revisions
    public var fadt: FADT.Settings
    public var localAPICAddress: UInt32
    public var ioAPIC: IOAPICDescription
    public var interruptOverrides: [InterruptSourceOverride]
    public var localAPICNMIs: [LocalAPICNMI]
    public var pciHostBridge: PCIHostBridgeDescription?
    /// Devices under `\_SB`, in this order, after the PCI host bridge.
    public var devices: [ACPIDeviceDescription]
    /// Declare `\_SB.Cnnn` processor devices (`ACPI0007`, `_UID` = the MADT processor UID = APIC id).
    public var processorDevices: Bool
    /// Where the RSDP goes: 16-byte aligned, in 0xE0000-0xFFFFF for the legacy scan; the same address
    /// goes into PVH `rsdp_paddr`.
    public var rsdpAddress: UInt64

    public init(cpuCount: Int, identity: ACPIIdentity, revisions: Revisions = Revisions(),
                fadt: FADT.Settings = FADT.Settings(), localAPICAddress: UInt32 = 0xFEE0_0000,
                ioAPIC: IOAPICDescription = IOAPICDescription(),
                interruptOverrides: [InterruptSourceOverride] = [.timer, .sci],
                localAPICNMIs: [LocalAPICNMI] = [.lint1],
                pciHostBridge: PCIHostBridgeDescription? = .standard,
                devices: [ACPIDeviceDescription] = [.com1, .rtc, .keyboardController],
                processorDevices: Bool = true, rsdpAddress: UInt64) {
        self.cpuCount = cpuCount
        self.identity = identity
        self.revisions = revisions
        self.fadt = fadt
        self.localAPICAddress = localAPICAddress
        self.ioAPIC = ioAPIC
        self.interruptOverrides = interruptOverrides
        self.localAPICNMIs = localAPICNMIs
        self.pciHostBridge = pciHostBridge
        self.devices = devices
        self.processorDevices = processorDevices
        self.rsdpAddress = rsdpAddress
    }

    func validate() throws(ACPIError) {
        guard (1...255).contains(cpuCount) else { throw .cpuCount(cpuCount) }
        guard rsdpAddress % 16 == 0 else { throw .misalignedRSDP(rsdpAddress) }
        guard rsdpAddress <= UInt64.max - UInt64(RSDP.size) else {
            throw .invalidRange("RSDP at 0x\(String(rsdpAddress, radix: 16, uppercase: true)) would run past the end of the address space")
        }
        try identity.validate()
        guard fadt.hypervisorVendor.utf8.count <= 8, fadt.hypervisorVendor.utf8.allSatisfy({ (0x20...0x7E).contains($0) })
        else { throw .invalidIdentity(field: "hypervisor vendor", value: fadt.hypervisorVendor, width: 8) }
        try pciHostBridge?.validate()
        // A handful of names: compared in a list (a Set would hash them, and instantiate its storage type).
        var names: [String] = pciHostBridge.map { [$0.name] } ?? []
        for device in devices {
            try device.validate()
            guard !names.contains(device.name) else {
                throw .invalidRange("two devices are named \(device.name) under \\_SB")
            }
            names.append(device.name)
        }
        if processorDevices, let clash = (0..<cpuCount).map(DSDT.processorDeviceName).first(where: names.contains) {
            throw .invalidRange("device \(clash) clashes with the name of processor device \(clash)")
        }
    }
}
