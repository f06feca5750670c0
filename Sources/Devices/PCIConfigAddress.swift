/// The CONFIG_ADDRESS register of PCI configuration mechanism #1 (port 0xCF8), as the host bridge keeps it
/// (PCI Local Bus Specification 3.0, §3.2.2.3.2):
///
///     31      30–24     23–16  15–11   10–8      7–2       1–0
///     enable  reserved  bus    device  function  register  00
///
/// Reserved bits 30–24 and bits 1–0 read back as 0, so a guest sees exactly what it may rely on. (Some
/// chipsets use bits 27–24 for extended register numbers; this bridge has 256-byte config spaces only.)
public struct PCIConfigAddress: Equatable, Sendable {
    static let enableBit: UInt32 = 1 << 31
    static let implementedBits: UInt32 = enableBit | 0x00FF_FFFC

    public let rawValue: UInt32

    /// Keeps the implemented bits of a value the guest wrote.
    public init(rawValue: UInt32) {
        self.rawValue = rawValue & Self.implementedBits
    }

    /// Bit 31: when clear, CONFIG_DATA accesses do not reach configuration space.
    public var isEnabled: Bool { rawValue & Self.enableBit != 0 }

    public var functionAddress: PCIAddress {
        PCIAddress(bus: UInt8(truncatingIfNeeded: rawValue >> 16),
                   device: UInt8(truncatingIfNeeded: rawValue >> 11) & 0x1F,
                   function: UInt8(truncatingIfNeeded: rawValue >> 8) & 0x07)
    }

    /// The dword-aligned configuration register offset (bits 7–2).
    public var register: UInt8 { UInt8(truncatingIfNeeded: rawValue) & 0xFC }
}
