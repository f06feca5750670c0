/// The active L1 table (in memory, written through) and a bounded cache of L2 tables: guest cluster →
/// raw L2 entry. Every L2 table offset is checked (alignment, reserved bits, inside the file) before it
/// is read, so a hostile L1 cannot make the map read or allocate beyond what the file holds.
final class ClusterMap {
    let file: ImageFile
    let header: QCOW2Header
    private(set) var l1: [UInt64]
    private var tables: [UInt64: [UInt64]] = [:]
    private var cachedBytes = 0
    static let cacheLimitBytes = 32 << 20

    init(file: ImageFile, header: QCOW2Header) throws(QCOW2Error) {
        self.file = file
        self.header = header
        l1 = try Self.readL1(file: file, offset: header.l1TableOffset, entries: header.l1Size, what: "L1 table")
    }

    static func readL1(file: ImageFile, offset: UInt64, entries: UInt32, what: String) throws(QCOW2Error) -> [UInt64] {
        let bytes = try file.read(at: offset, count: Int(entries) * 8, what: what)
        return stride(from: 0, to: bytes.count, by: 8).map { bytes.be64($0) }
    }

    /// Re-reads the L1 table and forgets cached L2 tables (after a failed update left memory unsure).
    func reload() throws(QCOW2Error) {
        l1 = try Self.readL1(file: file, offset: header.l1TableOffset, entries: header.l1Size, what: "L1 table")
        tables.removeAll()
        cachedBytes = 0
    }

    var clusterSize: UInt64 { header.clusterSize }

    /// (L1 index, L2 index) of a guest cluster.
    func indices(_ guestCluster: UInt64) -> (l1: Int, l2: Int) {
        (Int(guestCluster / header.l2Entries), Int(guestCluster % header.l2Entries))
    }

    /// The L2 table an L1 entry points at, checked, and whether it is COPIED (refcount 1); nil: none.
    func l2Location(_ l1Index: Int) throws(QCOW2Error) -> (offset: UInt64, copied: Bool)? {
        try Self.l2Location(l1[l1Index], index: l1Index, header: header, file: file)
    }

    static func l2Location(_ entry: UInt64, index: Int, header: QCOW2Header, file: ImageFile) throws(QCOW2Error) -> (offset: UInt64, copied: Bool)? {
        let offset = try TableEntry.l2Offset(entry, index: index, clusterSize: header.clusterSize, path: file.path)
        guard offset != 0 else { return nil }
        guard offset >= header.clusterSize else {
            throw QCOW2Error(.corrupt, path: file.path, field: "L1 entry \(index)", "the L2 table offset \(hex(offset)) is the header cluster")
        }
        return (offset, entry & TableEntry.copied != 0)
    }

    /// The L2 table at `offset` (read once, then cached).
    func table(at offset: UInt64) throws(QCOW2Error) -> [UInt64] {
        if let cached = tables[offset] { return cached }
        let bytes = try file.read(at: offset, count: Int(clusterSize), what: "L2 table at \(hex(offset))")
        let table = stride(from: 0, to: bytes.count, by: 8).map { bytes.be64($0) }
        remember(offset, table)
        return table
    }

    func remember(_ offset: UInt64, _ table: [UInt64]) {
        if tables[offset] == nil {
            if cachedBytes + Int(clusterSize) > Self.cacheLimitBytes { tables.removeAll(); cachedBytes = 0 }
            cachedBytes += Int(clusterSize)
        }
        tables[offset] = table
    }

    func forget(_ offset: UInt64) {
        if tables.removeValue(forKey: offset) != nil { cachedBytes -= Int(clusterSize) }
    }

    /// The raw L2 entry for a guest cluster (0 when its L1 entry is empty).
    func entry(_ guestCluster: UInt64) throws(QCOW2Error) -> UInt64 {
        let (l1Index, l2Index) = indices(guestCluster)
        guard let location = try l2Location(l1Index) else { return 0 }
        return try table(at: location.offset)[l2Index]
    }

    func descriptor(_ guestCluster: UInt64) throws(QCOW2Error) -> ClusterDescriptor {
        let raw = try entry(guestCluster)
        return try TableEntry.decode(raw, clusterBits: header.clusterBits, version: header.version,
                                     field: "L2 entry for guest offset \(hex(guestCluster * self.clusterSize))", path: file.path)
    }

    /// Writes one L2 entry of an existing table through to the file and the cache.
    func writeEntry(table offset: UInt64, index: Int, value: UInt64) throws(QCOW2Error) {
        _ = try table(at: offset)   // cached from here on; changed in place below
        try file.write(bigEndianBytes(value), at: offset + UInt64(index) * 8)
        tables[offset]![index] = value
    }

    /// Writes a whole new L2 table (not yet referenced by the L1) and caches it.
    func writeTable(_ table: [UInt64], at offset: UInt64) throws(QCOW2Error) {
        var bytes = [UInt8](repeating: 0, count: Int(clusterSize))
        for (index, entry) in table.enumerated() { bytes.put64(entry, at: index * 8) }
        try file.write(bytes, at: offset)
        remember(offset, table)
    }

    func writeL1(_ index: Int, _ value: UInt64) throws(QCOW2Error) {
        try file.write(bigEndianBytes(value), at: header.l1TableOffset + UInt64(index) * 8)
        l1[index] = value
    }
}
