/// The 256-byte configuration space of one conventional PCI function with a type 0 header, and the rules
/// for changing it. A value type with no I/O attached: the bus feeds it accesses, a test can compare it.
///
/// Every byte has a writable mask and a write-1-to-clear mask, so one rule covers the whole space
/// (PCI Local Bus Specification 3.0, §6.1, §6.2):
///
///     new = (old & ~writable) | (value & writable);  new &= ~(value & writeOneToClear)
///
/// What is writable:
/// - Command: I/O, memory, bus master, SERR# enable, interrupt disable (`PCICommand.writable`).
/// - Status: only the error bits, and only as write-1-to-clear (`PCIStatus.writeOneToClear`).
/// - Cache Line Size and Interrupt Line: all 8 bits (scratch registers for software, §6.2.4).
/// - BARs: the address bits above each BAR's size (`PCIBAR`); unimplemented BARs are hardwired to 0.
/// Everything else reads as declared and ignores writes: IDs, class code, revision, header type, subsystem
/// IDs, Interrupt Pin, Latency Timer and BIST (0), the expansion ROM BAR (0: none) and the device-specific
/// area 0x40–0xFF (0) outside any capability. QEMU makes 0x40–0xFF writable scratch space; here nothing is
/// implemented there, so nothing changes.
/// - Capabilities (§6.7): a function declared without any has capabilities pointer 0 and Status bit 4
///   clear, byte for byte as before lists existed. One declared with some gets them laid out from 0x40
///   (`PCICapability.layout`), 0x34 pointing at the first and Status bit 4 set; each capability's own
///   writable bits join the masks.
public struct PCIFunction: Equatable, Sendable {
    public static let configSpaceSize = 256
    public static let barCount = 6

    public let identity: PCIIdentity
    /// The BARs by register index (0–5); a 64-bit BAR also occupies index + 1.
    public let bars: [Int: PCIBAR]
    /// The capabilities in list order, and where each one starts in configuration space.
    public let capabilities: [PCICapability]
    public let capabilityOffsets: [Int]
    /// The current contents, as the guest would read them.
    public internal(set) var configSpace: [UInt8]
    let writable: [UInt8]
    let writeOneToClear: [UInt8]

    /// A function with the given identity and BARs. A BAR that cannot exist (bad size, index out of
    /// range, overlapping a 64-bit BAR's upper half) is a wiring mistake and stops the program.
    public init(identity: PCIIdentity, bars: [Int: PCIBAR] = [:], interruptPin: PCIInterruptPin = .none,
                capabilities: [PCICapability] = []) {
        var space = [UInt8](repeating: 0, count: Self.configSpaceSize)
        var writable = [UInt8](repeating: 0, count: Self.configSpaceSize)
        var writeOneToClear = [UInt8](repeating: 0, count: Self.configSpaceSize)

        Self.store(UInt32(identity.vendorID), at: PCIConfigOffset.vendorID, size: 2, in: &space)
        Self.store(UInt32(identity.deviceID), at: PCIConfigOffset.deviceID, size: 2, in: &space)
        space[PCIConfigOffset.revisionID] = identity.revisionID
        space[PCIConfigOffset.classCode] = identity.programmingInterface
        space[PCIConfigOffset.classCode + 1] = identity.subclass
        space[PCIConfigOffset.classCode + 2] = identity.baseClass
        Self.store(UInt32(identity.subsystemVendorID), at: PCIConfigOffset.subsystemVendorID, size: 2, in: &space)
        Self.store(UInt32(identity.subsystemID), at: PCIConfigOffset.subsystemID, size: 2, in: &space)
        space[PCIConfigOffset.interruptPin] = interruptPin.rawValue

        Self.store(UInt32(PCICommand.writable), at: PCIConfigOffset.command, size: 2, in: &writable)
        Self.store(UInt32(PCIStatus.writeOneToClear), at: PCIConfigOffset.status, size: 2, in: &writeOneToClear)
        writable[PCIConfigOffset.cacheLineSize] = 0xFF
        writable[PCIConfigOffset.interruptLine] = 0xFF

        // By register index, a bit per register taken: no sort of the dictionary, no Set (every machine
        // type builds its functions at each swiftvm start).
        if let outside = bars.keys.first(where: { !(0..<Self.barCount).contains($0) }) {
            preconditionFailure("BAR\(outside) does not fit in BAR registers 0–5")
        }
        var taken: UInt8 = 0
        for index in 0..<Self.barCount {
            guard let bar = bars[index] else { continue }
            if let reason = bar.invalidReason { preconditionFailure("BAR\(index): \(reason)") }
            precondition(index + bar.registerCount <= Self.barCount, "BAR\(index) does not fit in BAR registers 0–5")
            let registers = UInt8(truncatingIfNeeded: (1 << bar.registerCount - 1) << index)
            precondition(taken & registers == 0, "BAR\(index) overlaps another BAR")
            taken |= registers
            let offset = PCIConfigOffset.bar0 + 4 * index
            Self.store(bar.typeBits, at: offset, size: 4, in: &space)
            Self.store(UInt32(truncatingIfNeeded: bar.writableMask), at: offset, size: 4, in: &writable)
            if bar.registerCount == 2 {
                Self.store(UInt32(truncatingIfNeeded: bar.writableMask >> 32), at: offset + 4, size: 4, in: &writable)
            }
        }

        let offsets = PCICapability.layout(capabilities)
        for (index, (offset, capability)) in zip(offsets, capabilities).enumerated() {
            space[offset] = capability.id
            space[offset + 1] = index + 1 < offsets.count ? UInt8(offsets[index + 1]) : 0
            for (position, byte) in capability.body.enumerated() {
                space[offset + 2 + position] = byte
                writable[offset + 2 + position] = capability.writableBody[position]
            }
        }
        if let first = offsets.first {
            space[PCIConfigOffset.capabilitiesPointer] = UInt8(first)
            space[PCIConfigOffset.status] |= UInt8(PCIStatus.capabilitiesList)
        }

        self.identity = identity
        self.bars = bars
        self.capabilities = capabilities
        self.capabilityOffsets = offsets
        self.configSpace = space
        self.writable = writable
        self.writeOneToClear = writeOneToClear
    }

    // MARK: - Guest accesses

    /// A configuration read of `size` bytes (1, 2 or 4) at `offset`, little-endian. Bytes past the end of
    /// configuration space read as 0xFF (the bus never asks for them).
    public func read(offset: Int, size: Int) -> UInt32 {
        var value: UInt32 = 0
        for index in 0..<min(max(size, 1), 4) {
            let byte = configSpace.indices.contains(offset + index) ? configSpace[offset + index] : 0xFF
            value |= UInt32(byte) << (8 * index)
        }
        return value
    }

    /// A configuration write of the low `size` bytes of `value` at `offset`, under the masks above.
    public mutating func write(offset: Int, size: Int, value: UInt32) {
        for index in 0..<min(max(size, 1), 4) where configSpace.indices.contains(offset + index) {
            let position = offset + index
            let byte = UInt8(truncatingIfNeeded: value >> (8 * index))
            var new = (configSpace[position] & ~writable[position]) | (byte & writable[position])
            new &= ~(byte & writeOneToClear[position])
            configSpace[position] = new
        }
    }

    // MARK: - Device side

    /// Sets Status bits, as the device does when it sees an error (e.g. `PCIStatus.receivedMasterAbort`).
    public mutating func raiseStatus(_ bits: UInt16) {
        let status = UInt16(read(offset: PCIConfigOffset.status, size: 2)) | bits
        Self.store(UInt32(status), at: PCIConfigOffset.status, size: 2, in: &configSpace)
    }

    /// Sets or clears Status bit 3 (Interrupt Status), which mirrors the function's INTx# request whether
    /// or not Command bit 10 lets it reach the pin (§6.2.3).
    public mutating func setInterruptStatus(_ pending: Bool) {
        var status = UInt16(read(offset: PCIConfigOffset.status, size: 2))
        status = pending ? status | PCIStatus.interruptStatus : status & ~PCIStatus.interruptStatus
        Self.store(UInt32(status), at: PCIConfigOffset.status, size: 2, in: &configSpace)
    }

    /// The offset of the first capability with `id`, or nil when the function has none.
    public func capabilityOffset(id: UInt8) -> Int? {
        zip(capabilityOffsets, capabilities).first { $0.1.id == id }?.0
    }

    /// Sets or clears the multi-function bit (bit 7 of Header Type); the bus keeps it true on function 0
    /// of a device that has other functions, so software scans functions 1–7 (§6.2.1).
    mutating func setMultiFunction(_ isMultiFunction: Bool) {
        if isMultiFunction {
            configSpace[PCIConfigOffset.headerType] |= 0x80
        } else {
            configSpace[PCIConfigOffset.headerType] &= 0x7F
        }
    }

    // MARK: - Decoded registers

    public var command: UInt16 { UInt16(read(offset: PCIConfigOffset.command, size: 2)) }
    public var status: UInt16 { UInt16(read(offset: PCIConfigOffset.status, size: 2)) }
    public var interruptLine: UInt8 { configSpace[PCIConfigOffset.interruptLine] }

    /// The address the guest has programmed into BAR `index` (type bits removed), or nil if there is no
    /// BAR there. The machine maps a BAR only while the command register enables its space.
    public func barAddress(_ index: Int) -> UInt64? {
        guard let bar = bars[index] else { return nil }
        let offset = PCIConfigOffset.bar0 + 4 * index
        var raw = UInt64(read(offset: offset, size: 4))
        if bar.registerCount == 2 { raw |= UInt64(read(offset: offset + 4, size: 4)) << 32 }
        return raw & bar.writableMask
    }

    private static func store(_ value: UInt32, at offset: Int, size: Int, in bytes: inout [UInt8]) {
        for index in 0..<size { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }
}
