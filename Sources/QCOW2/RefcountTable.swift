/// The two-level refcount structure: the refcount table (offsets of refcount blocks) and the blocks
/// (one `refcountBits`-wide big-endian count per host cluster; sub-byte widths packed from bit 0 up,
/// as QEMU does). Read-through, write-through: every change is written when made, so the order of
/// writes is the order of the calls (QCOW2Engine chooses it). Blocks are cached, bounded.
final class RefcountTable {
    let file: ImageFile
    let clusterBits: UInt32
    let order: UInt32
    private(set) var tableOffset: UInt64
    private(set) var table: [UInt64]
    private var blocks: [UInt64: [UInt8]] = [:]
    private var cachedBytes = 0
    static let cacheLimitBytes = 16 << 20

    var clusterSize: UInt64 { 1 << UInt64(clusterBits) }
    var perBlock: UInt64 { (clusterSize * 8) >> UInt64(order) }
    var maximum: UInt64 { order == 6 ? UInt64.max : (1 << (1 << UInt64(order))) - 1 }

    init(file: ImageFile, header: QCOW2Header) throws(QCOW2Error) {
        self.file = file
        clusterBits = header.clusterBits
        order = header.refcountOrder
        tableOffset = header.refcountTableOffset
        table = []
        try loadTable(offset: header.refcountTableOffset, clusters: UInt64(header.refcountTableClusters))
    }

    /// Reads the table (its size was bounded and checked against the file by the header parser).
    func loadTable(offset: UInt64, clusters: UInt64) throws(QCOW2Error) {
        let bytes = try file.read(at: offset, count: Int(clusters * clusterSize), what: "refcount table")
        table = stride(from: 0, to: bytes.count, by: 8).map { bytes.be64($0) }
        tableOffset = offset
        blocks.removeAll()
        cachedBytes = 0
    }

    /// The refcount block's offset for block index `block`, or nil when the table has no block there.
    func blockOffset(_ block: UInt64) throws(QCOW2Error) -> UInt64? {
        guard block < UInt64(table.count) else { return nil }
        let entry = table[Int(block)]
        guard entry & 0x1FF == 0 else {
            throw QCOW2Error(.corrupt, path: file.path, field: "refcount table entry \(block)", "reserved bits 0–8 are set (\(hex(entry)))")
        }
        guard entry != 0 else { return nil }
        guard entry % clusterSize == 0 else {
            throw QCOW2Error(.corrupt, path: file.path, field: "refcount table entry \(block)", "block offset \(hex(entry)) is not cluster-aligned")
        }
        return entry
    }

    private func block(at offset: UInt64, index: UInt64) throws(QCOW2Error) -> [UInt8] {
        if let cached = blocks[offset] { return cached }
        let bytes = try file.read(at: offset, count: Int(clusterSize), what: "refcount block \(index) at \(hex(offset))")
        remember(offset, bytes)
        return bytes
    }

    private func remember(_ offset: UInt64, _ bytes: [UInt8]) {
        if blocks[offset] == nil {
            if cachedBytes + bytes.count > Self.cacheLimitBytes { blocks.removeAll(); cachedBytes = 0 }
            cachedBytes += bytes.count
        }
        blocks[offset] = bytes
    }

    /// The refcount of host cluster `cluster`; 0 when no block covers it.
    func refcount(_ cluster: UInt64) throws(QCOW2Error) -> UInt64 {
        let blockIndex = cluster / perBlock
        guard let offset = try blockOffset(blockIndex) else { return 0 }
        return Self.get(try block(at: offset, index: blockIndex), index: cluster % perBlock, order: order)
    }

    /// Sets the refcount of a cluster whose block exists (callers ensure it: `ClusterAllocator`).
    func setRefcount(_ cluster: UInt64, _ value: UInt64) throws(QCOW2Error) {
        let blockIndex = cluster / perBlock
        guard let offset = try blockOffset(blockIndex) else {
            throw QCOW2Error(.corrupt, path: file.path, field: "refcount table", "no refcount block covers cluster \(cluster)")
        }
        guard value <= maximum else {
            throw QCOW2Error(.limit, path: file.path, field: "refcount of cluster \(cluster)", "\(value) overflows the \(1 << order)-bit refcount")
        }
        _ = try block(at: offset, index: blockIndex)   // cached from here on; changed in place below
        let index = cluster % perBlock
        Self.set(&blocks[offset]!, index: index, order: order, value: value)
        let (start, width) = Self.byteSpan(index: index, order: order)
        try file.write(blocks[offset]![start..<(start + width)], at: offset + UInt64(start))
    }

    /// Writes a new refcount block and remembers it (its table entry is written by the caller after).
    func writeBlock(_ bytes: [UInt8], at offset: UInt64) throws(QCOW2Error) {
        try file.write(bytes, at: offset)
        remember(offset, bytes)
    }

    func setTableEntry(_ index: UInt64, _ offset: UInt64) throws(QCOW2Error) {
        try file.write(bigEndianBytes(offset), at: tableOffset + index * 8)
        table[Int(index)] = offset
    }

    func dropCache() { blocks.removeAll(); cachedBytes = 0 }

    static func get(_ bytes: [UInt8], index: UInt64, order: UInt32) -> UInt64 {
        if order < 3 {
            let bits = UInt64(1) << UInt64(order)
            let bit = index * bits
            return UInt64(bytes[Int(bit / 8)] >> UInt8(bit % 8)) & ((1 << bits) - 1)
        }
        let width = 1 << (Int(order) - 3)
        return bytes.be(Int(index) * width, width)
    }

    static func set(_ bytes: inout [UInt8], index: UInt64, order: UInt32, value: UInt64) {
        if order < 3 {
            let bits = UInt64(1) << UInt64(order)
            let bit = index * bits
            let mask = UInt8((1 << bits) - 1) << UInt8(bit % 8)
            let byte = Int(bit / 8)
            bytes[byte] = (bytes[byte] & ~mask) | (UInt8(truncatingIfNeeded: value) << UInt8(bit % 8)) & mask
            return
        }
        let width = 1 << (Int(order) - 3)
        bytes.putBE(value, at: Int(index) * width, width: width)
    }

    /// The bytes of a block that hold entry `index`.
    static func byteSpan(index: UInt64, order: UInt32) -> (start: Int, width: Int) {
        if order < 3 { return (Int(index * (1 << UInt64(order)) / 8), 1) }
        let width = 1 << (Int(order) - 3)
        return (Int(index) * width, width)
    }
}
