import Snapshot

/// A PCI function's configuration space as snapshot fields: all 256 bytes. Restoring checks them against
/// the function the machine type builds: a byte software cannot change (IDs, class, BAR type bits,
/// capability structure) must be as built, so a snapshot cannot turn one device into another; Status,
/// which the device itself updates, and every writable bit come from the snapshot.
extension PCIFunction: SavedState {
    public func save(to writer: inout StateWriter) {
        writer.bytes(configSpace)
    }

    public mutating func restore(from reader: inout StateReader) throws(SnapshotError) {
        let field = "PCI \(identity.vendorID.hex4):\(identity.deviceID.hex4) configuration space"
        let saved = try reader.bytes(count: Self.configSpaceSize, field: field)
        for offset in 0..<Self.configSpaceSize {
            let free = writable[offset] | writeOneToClear[offset]
            let isStatus = offset == PCIConfigOffset.status || offset == PCIConfigOffset.status + 1
            guard isStatus || saved[offset] & ~free == configSpace[offset] & ~free else {
                throw reader.failure(field, "offset 0x\(String(offset, radix: 16)) holds 0x\(String(saved[offset], radix: 16)) but this "
                                     + "function's read-only bits there are 0x\(String(configSpace[offset] & ~free, radix: 16))")
            }
        }
        configSpace = saved
    }
}

private extension UInt16 {
    var hex4: String {
        let digits = String(self, radix: 16)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }
}
