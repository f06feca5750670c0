/// The MSI-X capability structure (PCI Local Bus Specification 3.0, §6.8.2): where a function's vector
/// table and pending-bit array live, how many vectors it has, and the two bits software controls.
///
///     +0 ID 0x11 | +1 next | +2 Message Control (table size − 1 in bits 10:0, function mask bit 14,
///     MSI-X enable bit 15) | +4 table offset | BIR | +8 PBA offset | BIR
///
/// Only the two control bits are writable; everything else is fixed by the device.
public enum PCIMSIXCapability {
    public static let enableBit: UInt16 = 1 << 15
    public static let functionMaskBit: UInt16 = 1 << 14
    /// The largest table the 11-bit size field can describe.
    public static let maxVectors = 2048

    /// A capability for `vectors` table entries at `tableOffset` in BAR `tableBAR` and the pending bits
    /// at `pbaOffset` in BAR `pbaBAR`. Offsets must be 8-byte aligned (the low 3 bits hold the BIR).
    public static func capability(vectors: Int, tableBAR: Int, tableOffset: UInt32,
                                  pbaBAR: Int, pbaOffset: UInt32) -> PCICapability {
        precondition((1...maxVectors).contains(vectors), "an MSI-X table has 1 to 2048 vectors, not \(vectors)")
        precondition((0..<PCIFunction.barCount).contains(tableBAR) && (0..<PCIFunction.barCount).contains(pbaBAR),
                     "MSI-X structures must live in BAR0–BAR5")
        precondition(tableOffset & 7 == 0 && pbaOffset & 7 == 0, "MSI-X table and PBA offsets must be 8-byte aligned")
        let control = UInt16(vectors - 1)
        var body: [UInt8] = [UInt8(truncatingIfNeeded: control), UInt8(truncatingIfNeeded: control >> 8)]
        body += littleEndianBytes(tableOffset | UInt32(tableBAR))
        body += littleEndianBytes(pbaOffset | UInt32(pbaBAR))
        let writable: [UInt8] = [0, UInt8(truncatingIfNeeded: (enableBit | functionMaskBit) >> 8)]
        return PCICapability(id: PCICapability.msixID, body: body, writableBody: writable)
    }

    private static func littleEndianBytes(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}

/// What software has set in a function's MSI-X Message Control register.
public struct PCIMSIXState: Equatable, Sendable {
    public var enabled: Bool
    public var functionMasked: Bool

    public init(enabled: Bool = false, functionMasked: Bool = false) {
        self.enabled = enabled
        self.functionMasked = functionMasked
    }
}

extension PCIFunction {
    /// The MSI-X enable and function-mask bits as software last wrote them, or nil when the function has
    /// no MSI-X capability.
    public var msixState: PCIMSIXState? {
        guard let offset = capabilityOffset(id: PCICapability.msixID) else { return nil }
        let control = UInt16(read(offset: offset + 2, size: 2))
        return PCIMSIXState(enabled: control & PCIMSIXCapability.enableBit != 0,
                            functionMasked: control & PCIMSIXCapability.functionMaskBit != 0)
    }
}
