import Boot
import GuestMemory

/// Where RAM, holes and boot structures sit in guest-physical space for a given RAM size
/// (docs/guest-interface.md, "Guest-physical layout").
public struct GuestMemoryLayout: Sendable {
    public static let minimumRAM: UInt64 = 4 << 20
    public static let maximumRAM: UInt64 = 1 << 40
    /// RAM above this is moved to 4 GiB, leaving [3 GiB, 4 GiB) for MMIO (IOAPIC, LAPIC, later PCI BARs).
    public static let lowRAMLimit: UInt64 = 3 << 30
    public static let highRAMStart: UInt64 = 4 << 30
    /// EBDA, VGA hole and ROM area: RAM-backed but reported reserved, as on a PC.
    public static let legacyHole = GuestRange(start: GuestAddress(0x9_FC00), size: 0x10_0000 - 0x9_FC00)!
    public static let zeroPage = GuestRange(start: GuestAddress(0), size: 0x1000)!

    public let ramSize: UInt64
    /// What KVM maps: one or two slots.
    public let ramRanges: [GuestRange]
    /// What the guest is told (PVH memmap / Multiboot mmap), lowest first.
    public let memoryMap: [MemoryMapEntry]
    /// Ranges a kernel image may not load into.
    public let loaderReserved: [GuestRange]
    public let bootInfoArea: BootInfoArea

    public init(ramSize: UInt64) throws(MachineError) {
        guard ramSize >= Self.minimumRAM, ramSize <= Self.maximumRAM else {
            throw .badMemorySize(ramSize, minimum: Self.minimumRAM, maximum: Self.maximumRAM)
        }
        guard ramSize % GuestMemory.pageSize == 0 else { throw .memoryNotPageAligned(ramSize) }
        self.ramSize = ramSize
        let low = min(ramSize, Self.lowRAMLimit)
        var ranges = [GuestRange(start: GuestAddress(0), size: low)!]
        if ramSize > low {
            ranges.append(GuestRange(start: GuestAddress(Self.highRAMStart), size: ramSize - low)!)
        }
        ramRanges = ranges

        let hole = Self.legacyHole
        var map = [
            MemoryMapEntry(range: GuestRange(start: GuestAddress(0), size: hole.start.rawValue)!, kind: .ram),
            MemoryMapEntry(range: hole, kind: .reserved),
            MemoryMapEntry(range: GuestRange(start: hole.end, size: low - hole.end.rawValue)!, kind: .ram),
        ]
        map += ranges.dropFirst().map { MemoryMapEntry(range: $0, kind: .ram) }
        memoryMap = map
        bootInfoArea = BootInfoArea.standard
        loaderReserved = [Self.zeroPage, bootInfoArea.range, hole]
    }
}
