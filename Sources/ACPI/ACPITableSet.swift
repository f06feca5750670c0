/// The built tables and where each goes in guest memory. The machine copies `rsdp.bytes` to
/// `rsdp.address` and every table's bytes to its address; nothing else needs patching.
///
/// Layout from `base`, each table 16-byte aligned (zero padding between): XSDT, FACP, APIC, DSDT.
/// The XSDT lists FACP and APIC; the FADT points to the DSDT (both DSDT and X_DSDT).
public struct ACPITableSet: Sendable, Equatable {
    public struct Table: Sendable, Equatable {
        public let signature: String
        public let address: UInt64
        public let bytes: [UInt8]

        public var range: Range<UInt64> { address..<address + UInt64(bytes.count) }
    }

    public static let alignment: UInt64 = 16

    /// In address order.
    public let tables: [Table]
    /// Signature "RSD PTR ".
    public let rsdp: Table

    /// From the first table's address to the end of the last one.
    public var tablesRange: Range<UInt64> {
        (tables.first?.address ?? 0)..<(tables.last?.range.upperBound ?? 0)
    }

    public func table(_ signature: String) -> Table? {
        tables.first { $0.signature == signature }
    }

    /// Builds every table for `config`, laid out contiguously from `base`.
    public static func build(_ config: ACPIConfiguration, placedAt base: UInt64) throws(ACPIError) -> ACPITableSet {
        try config.validate()
        guard base % alignment == 0 else { throw .misalignedBase(base) }

        let identity = config.identity
        let madt = MADT(revision: config.revisions.madt, cpuCount: config.cpuCount,
                        localAPICAddress: config.localAPICAddress, ioAPIC: config.ioAPIC,
                        interruptOverrides: config.interruptOverrides, localAPICNMIs: config.localAPICNMIs)
            .bytes(identity: identity)
        let dsdt = DSDT(revision: config.revisions.dsdt, pciHostBridge: config.pciHostBridge,
                        devices: config.devices, processorCount: config.processorDevices ? config.cpuCount : 0)
            .bytes(identity: identity)

        // Addresses depend only on sizes, and the sizes of XSDT and FADT are fixed. Laid out as offsets
        // from the base first, so a base near the top of the address space is refused, not overflowed.
        let xsdtLength = XSDT.length(entryCount: 2)
        var cursor: UInt64 = 0
        func place(_ length: Int) -> UInt64 {
            let offset = cursor
            cursor = (cursor + UInt64(length) + alignment - 1) / alignment * alignment
            return offset
        }
        let xsdtOffset = place(xsdtLength)
        let fadtOffset = place(FADT.length)
        let madtOffset = place(madt.count)
        let dsdtOffset = place(dsdt.count)
        let (end, overflow) = base.addingReportingOverflow(dsdtOffset + UInt64(dsdt.count))
        guard !overflow, end <= 1 << 32 else { throw .tablesAbove4GiB(end: overflow ? .max : end) }
        let xsdtAddress = base + xsdtOffset, fadtAddress = base + fadtOffset
        let madtAddress = base + madtOffset, dsdtAddress = base + dsdtOffset
        let rsdpRange = config.rsdpAddress..<config.rsdpAddress + UInt64(RSDP.size)
        guard !rsdpRange.overlaps(base..<end) else {
            throw .rsdpOverlapsTables(rsdp: config.rsdpAddress, tables: base..<end)
        }

        let fadt = FADT(revision: config.revisions.fadtMajor, minorVersion: config.revisions.fadtMinor,
                        settings: config.fadt).bytes(dsdtAddress: dsdtAddress, identity: identity)
        let xsdt = XSDT(entries: [fadtAddress, madtAddress]).bytes(identity: identity)
        let tables = [
            Table(signature: XSDT.signature, address: xsdtAddress, bytes: xsdt),
            Table(signature: FADT.signature, address: fadtAddress, bytes: fadt),
            Table(signature: MADT.signature, address: madtAddress, bytes: madt),
            Table(signature: DSDT.signature, address: dsdtAddress, bytes: dsdt),
        ]
        let rsdp = Table(signature: "RSD PTR ", address: config.rsdpAddress,
                         bytes: RSDP(oemID: identity.oemID, xsdtAddress: xsdtAddress).bytes())
        return ACPITableSet(tables: tables, rsdp: rsdp)
    }
}
