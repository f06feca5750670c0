import Snapshot

/// An MSI-X table and its pending bits as snapshot fields: the vector count (which must match the
/// function's), four dwords per entry, the pending-bit qwords.
extension PCIMSIXTable: SavedState {
    public func save(to writer: inout StateWriter) {
        writer.u16(UInt16(vectorCount))
        for dword in dwords { writer.u32(dword) }
        for qword in pendingBits { writer.u64(qword) }
    }

    public mutating func restore(from reader: inout StateReader) throws(SnapshotError) {
        let vectors = try reader.u16("MSI-X vector count")
        guard Int(vectors) == vectorCount else {
            throw reader.failure("MSI-X vector count", "\(vectors) vectors; this function has \(vectorCount)")
        }
        // Read into copies, kept only when every field passed: a refused table is left as it was.
        var table = dwords, pending = pendingBits
        for index in table.indices {
            let dword = try reader.u32("MSI-X table dword \(index)")
            // Vector control (every fourth dword) keeps only its mask bit, as a guest write would.
            table[index] = index % 4 == 3 ? dword & Self.vectorControlMaskBit : dword
        }
        for index in pending.indices {
            let bits = try reader.u64("MSI-X pending bits \(index)")
            let first = index * 64
            let valid = first + 64 <= vectorCount ? UInt64.max : (UInt64(1) << UInt64(vectorCount - first)) - 1
            guard bits & ~valid == 0 else { throw reader.failure("MSI-X pending bits \(index)", "bits past vector \(vectorCount - 1) are set") }
            pending[index] = bits
        }
        (dwords, pendingBits) = (table, pending)
    }
}
