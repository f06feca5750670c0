import ACPI
import GuestMemory

/// Where a machine's ACPI tables live and how they get there: the RSDP at the start of the BIOS area
/// (found by the legacy scan of 0xE0000–0xFFFFF and handed over in PVH `rsdp_paddr`), the tables right
/// after it. The area is RAM-backed but reported reserved in the memory map, so the guest keeps it.
enum ACPIPlacement {
    static let rsdpAddress: UInt64 = 0xE_0000
    static let tablesBase: UInt64 = 0xE_0040
    static let areaEnd: UInt64 = 0x10_0000

    /// Builds the machine type's tables for `cpuCount` vCPUs and writes them; returns the RSDP address.
    static func install(for machineType: MachineType, cpuCount: Int, into memory: GuestMemory) throws(MachineError) -> GuestAddress {
        var bridge = PCIHostBridgeDescription.standard
        bridge.interruptRoutes = machineType.pciInterruptRoutes
        let configuration = ACPIConfiguration(cpuCount: cpuCount, identity: ACPIIdentity(oemTableID: machineType.acpiTableID),
                                              interruptOverrides: machineType.interruptOverrides, pciHostBridge: bridge,
                                              devices: machineType.acpiDevices, rsdpAddress: rsdpAddress)
        let tables: ACPITableSet
        do { tables = try ACPITableSet.build(configuration, placedAt: tablesBase) } catch { throw .acpi(error.description) }
        guard tables.tablesRange.upperBound <= areaEnd else {
            throw .acpi("ACPI tables end at 0x\(String(tables.tablesRange.upperBound, radix: 16)), beyond the BIOS area")
        }
        do {
            for table in [tables.rsdp] + tables.tables { try memory.write(table.bytes, at: GuestAddress(table.address)) }
        } catch { throw .guestMemory(error) }
        return GuestAddress(rsdpAddress)
    }
}
