import GuestMemory

/// Why a parsed kernel could not be placed in this guest, or a module could not be placed.
public enum LoadError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The segment ends above the top of RAM in the memory map.
    case segmentBeyondRAM(name: String, index: Int, range: GuestRange, ramTop: GuestAddress)
    /// The segment is below the top of RAM but not wholly inside one RAM entry (it touches a hole).
    case segmentNotInRAM(name: String, index: Int, range: GuestRange)
    /// The segment overlaps a range the machine keeps for itself (zero page, boot information, ...).
    case segmentOverlapsReserved(name: String, index: Int, range: GuestRange, reserved: GuestRange)
    case noBootProtocol(name: String)
    /// The chosen entry point does not lie inside any loaded segment.
    case entryOutsideImage(name: String, protocolUsed: BootProtocol, entry: UInt64)
    /// The Multiboot header asks for something this loader does not provide (bit 2 video mode, or an undefined bit).
    case unsupportedMultibootRequirements(name: String, flags: UInt32, unsupported: UInt32)
    /// Guest memory refused a write although the memory map said RAM: the map and the memory disagree.
    case memory(name: String, error: GuestMemoryError)
    /// No page-aligned place in RAM below 4 GiB and above `above` holds the module.
    case moduleDoesNotFit(size: UInt64, above: GuestAddress)

    public var description: String {
        switch self {
        case let .segmentBeyondRAM(name, index, range, ramTop):
            return "\(name): segment \(index) \(range) ends beyond guest RAM (\(humanSize(ramTop.rawValue))); raise --memory"
        case let .segmentNotInRAM(name, index, range):
            return "\(name): segment \(index) \(range) is not inside one RAM range of the memory map "
                + "(it touches the hole at [0x9fc00, 0x100000) or another reserved range); link the kernel at 1 MiB"
        case let .segmentOverlapsReserved(name, index, range, reserved):
            return "\(name): segment \(index) \(range) overlaps \(reserved), which swiftvm reserves "
                + "(zero page / boot information); link the kernel at 1 MiB"
        case let .noBootProtocol(name):
            return "\(name): neither a PVH note nor a Multiboot header; cannot boot"
        case let .entryOutsideImage(name, protocolUsed, entry):
            return "\(name): the \(protocolUsed.rawValue) entry point \(hex(entry)) is not inside any loaded segment"
        case let .unsupportedMultibootRequirements(name, flags, unsupported):
            return "\(name): the Multiboot header flags \(hex(flags)) require \(hex(unsupported)) "
                + "(only page-aligned modules and memory info, bits 0–1, are supported); boot it with PVH"
        case let .memory(name, error):
            return "\(name): loading failed: \(error)"
        case let .moduleDoesNotFit(size, above):
            return "a module of \(hex(size)) bytes (\(humanSize(size))) does not fit in RAM between \(above) and 4 GiB; "
                + "raise --memory or use a smaller initrd"
        }
    }
}
