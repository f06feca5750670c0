/// One Base Address Register as a function declares it (PCI Local Bus Specification 3.0, §6.2.5.1).
///
/// A BAR's address bits below its size are hardwired to 0 and its low bits carry the type, so writing
/// all-ones and reading back yields `~(size - 1) | type`: that is how software learns the size. Both fall
/// out of a per-bit writable mask, which is what `PCIFunction` keeps.
public enum PCIBAR: Equatable, Sendable {
    /// An I/O space BAR: 4 to 256 bytes (the spec's limit for one I/O BAR).
    case io(size: UInt32)
    /// A memory BAR decoded anywhere in the low 4 GiB: 16 bytes to 2 GiB.
    case memory32(size: UInt32, prefetchable: Bool)
    /// A memory BAR decoded anywhere in 64-bit space; it takes this register and the next one (upper half).
    case memory64(size: UInt64, prefetchable: Bool)

    /// Bit 0: I/O space indicator.
    static let ioSpaceBit: UInt32 = 0x1
    /// Bits 2–1 = 10b: 64-bit memory BAR.
    static let memory64Bits: UInt32 = 0x4
    /// Bit 3: prefetchable memory.
    static let prefetchableBit: UInt32 = 0x8

    /// How many BAR registers it occupies.
    public var registerCount: Int {
        if case .memory64 = self { return 2 }
        return 1
    }

    public var size: UInt64 {
        switch self {
        case let .io(size), let .memory32(size, _): return UInt64(size)
        case let .memory64(size, _): return size
        }
    }

    /// The read-only type bits in the low dword.
    var typeBits: UInt32 {
        switch self {
        case .io: return Self.ioSpaceBit
        case let .memory32(_, prefetchable): return prefetchable ? Self.prefetchableBit : 0
        case let .memory64(_, prefetchable): return Self.memory64Bits | (prefetchable ? Self.prefetchableBit : 0)
        }
    }

    /// The bits software can write, across both registers for a 64-bit BAR (low dword first).
    var writableMask: UInt64 {
        switch self {
        case let .io(size): return UInt64(~(size - 1) & 0xFFFF_FFFC)
        case let .memory32(size, _): return UInt64(~(size - 1) & 0xFFFF_FFF0)
        case let .memory64(size, _): return ~(size - 1) & ~UInt64(0xF)
        }
    }

    /// Why this BAR cannot exist, or nil when it can.
    var invalidReason: String? {
        let size = self.size
        guard size != 0, size & (size - 1) == 0 else { return "BAR size \(size) is not a power of two" }
        switch self {
        case .io where size < 4 || size > 256:
            return "an I/O BAR must be 4 to 256 bytes, not \(size)"
        case .memory32 where size < 16 || size > 1 << 31:
            return "a 32-bit memory BAR must be 16 bytes to 2 GiB, not \(size)"
        case .memory64 where size < 16 || size > 1 << 63:
            return "a 64-bit memory BAR must be at least 16 bytes, not \(size)"
        default:
            return nil
        }
    }
}
