/// One MSI message: the address/data pair a device writes to interrupt a CPU (PCI 3.0, §6.8.2.4–5).
/// On x86 the address selects the local APIC(s) and the data the vector; the VMM hands both to KVM.
public struct MSIMessage: Equatable, Sendable, CustomStringConvertible {
    public var address: UInt64
    public var data: UInt32

    public init(address: UInt64, data: UInt32) {
        self.address = address
        self.data = data
    }

    public var description: String { "MSI address 0x\(String(address, radix: 16)) data 0x\(String(data, radix: 16))" }
}

/// The MSI-X table and pending-bit array of a function (PCI 3.0, §6.8.2.6–9), as registers in a BAR.
///
/// Each table entry is 16 bytes: message address low and high, message data, vector control (bit 0 =
/// masked). Entries start masked, as after a reset. A pending bit is set by the device when it wants to
/// send a masked vector and cleared when the message finally goes out; software cannot write it.
/// Accesses are dword or qword, naturally aligned; anything else reads 0 and writes nothing, which is
/// what the spec allows for an unsupported access.
public struct PCIMSIXTable: Equatable, Sendable {
    public static let entrySize: UInt64 = 16
    static let vectorControlMaskBit: UInt32 = 1

    public let vectorCount: Int
    /// Four dwords per entry: address low, address high, data, vector control.
    var dwords: [UInt32]
    var pendingBits: [UInt64]

    public init(vectorCount: Int) {
        precondition((1...PCIMSIXCapability.maxVectors).contains(vectorCount), "an MSI-X table has 1 to 2048 vectors")
        self.vectorCount = vectorCount
        var dwords = [UInt32](repeating: 0, count: 4 * vectorCount)
        for vector in 0..<vectorCount { dwords[4 * vector + 3] = Self.vectorControlMaskBit }
        self.dwords = dwords
        self.pendingBits = [UInt64](repeating: 0, count: (vectorCount + 63) / 64)
    }

    /// Bytes the table occupies in its BAR.
    public var tableSize: UInt64 { UInt64(vectorCount) * Self.entrySize }
    /// Bytes the pending-bit array occupies (whole qwords).
    public var pendingArraySize: UInt64 { UInt64(pendingBits.count) * 8 }

    // MARK: - Device side

    public func message(_ vector: Int) -> MSIMessage {
        MSIMessage(address: UInt64(dwords[4 * vector]) | UInt64(dwords[4 * vector + 1]) << 32,
                   data: dwords[4 * vector + 2])
    }

    public func isMasked(_ vector: Int) -> Bool { dwords[4 * vector + 3] & Self.vectorControlMaskBit != 0 }

    public func isPending(_ vector: Int) -> Bool { pendingBits[vector / 64] & (1 << UInt64(vector % 64)) != 0 }

    public mutating func setPending(_ vector: Int, _ pending: Bool) {
        let bit = UInt64(1) << UInt64(vector % 64)
        if pending { pendingBits[vector / 64] |= bit } else { pendingBits[vector / 64] &= ~bit }
    }

    // MARK: - Guest accesses (offsets from the start of the table or the PBA)

    public func readTable(offset: UInt64, size: Int) -> UInt64 {
        guard let first = dwordIndex(offset: offset, size: size, limit: tableSize) else { return 0 }
        return size == 8 ? UInt64(dwords[first]) | UInt64(dwords[first + 1]) << 32 : UInt64(dwords[first])
    }

    /// Writes table registers. Only bit 0 of vector control is writable; its other bits are reserved.
    public mutating func writeTable(offset: UInt64, size: Int, value: UInt64) {
        guard let first = dwordIndex(offset: offset, size: size, limit: tableSize) else { return }
        for index in 0..<(size / 4) {
            let position = first + index
            var dword = UInt32(truncatingIfNeeded: value >> (32 * UInt64(index)))
            if position % 4 == 3 { dword &= Self.vectorControlMaskBit }
            dwords[position] = dword
        }
    }

    public func readPendingArray(offset: UInt64, size: Int) -> UInt64 {
        guard let first = dwordIndex(offset: offset, size: size, limit: pendingArraySize) else { return 0 }
        let qword = pendingBits[first / 2]
        if size == 8 { return qword }
        return first % 2 == 0 ? qword & 0xFFFF_FFFF : qword >> 32
    }

    /// The first dword an access touches, or nil when it is not a naturally aligned dword or qword wholly
    /// inside `limit` bytes.
    private func dwordIndex(offset: UInt64, size: Int, limit: UInt64) -> Int? {
        guard size == 4 || size == 8, offset % UInt64(size) == 0, offset < limit, limit - offset >= UInt64(size) else {
            return nil
        }
        return Int(offset / 4)
    }
}
