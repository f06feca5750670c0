/// Finds free host clusters (refcount 0) and takes references, creating refcount blocks and growing the
/// refcount table when the file outgrows them. Refcounts are written before anything refers to the
/// clusters (the caller puts a barrier between this and the references), so a crash can leak a cluster
/// but never leave one referenced with a refcount too low.
final class ClusterAllocator {
    let refcounts: RefcountTable
    let file: ImageFile
    /// The lowest cluster that may be free; frees move it down.
    private var hint: UInt64 = 0
    /// Host offsets must fit the 56-bit L2 offset field (bits 9–55).
    let clusterLimit: UInt64
    /// Clusters past the end of the file the free-cluster search may look at (new L2 tables of a request
    /// are written at its commit, after later data clusters).
    static let slackPastEndOfFile: UInt64 = 4096
    /// Set by the engine: the metadata no allocation may return (a refcount of 0 there is corruption).
    var metadata: MetadataAreas?

    init(refcounts: RefcountTable) {
        self.refcounts = refcounts
        self.file = refcounts.file
        clusterLimit = (UInt64(1) << 56) >> UInt64(refcounts.clusterBits)
    }

    var clusterSize: UInt64 { refcounts.clusterSize }

    /// Allocates one free cluster with refcount 1 and returns its host offset. Clusters below the
    /// returned one were all found in use, so the next search starts after it.
    func allocate() throws(QCOW2Error) -> UInt64 {
        var index = hint
        // Past the end of the file every cluster should be free; refcounts that claim more than a little
        // of that space are wrong, and scanning them could take forever (2^35 clusters).
        let searchEnd = (try file.size() >> UInt64(refcounts.clusterBits)) + Self.slackPastEndOfFile
        while true {
            guard index < clusterLimit else {
                throw QCOW2Error(.limit, path: file.path, "no free cluster below the 2^56-byte offset limit")
            }
            guard index < searchEnd else {
                throw QCOW2Error(.corrupt, path: file.path, field: "refcount blocks",
                                 "no free cluster up to \(Self.slackPastEndOfFile) clusters past the end of the file; repair the image (qemu-img check -r all)")
            }
            try ensureBlock(covering: index)
            if try refcounts.refcount(index) == 0 {
                try refuseMetadata(index)
                break
            }
            index += 1
        }
        try refcounts.setRefcount(index, 1)
        hint = index + 1
        return index << UInt64(refcounts.clusterBits)
    }

    /// A free cluster (refcount 0) that holds metadata means the refcounts are wrong: stop before writing.
    private func refuseMetadata(_ cluster: UInt64) throws(QCOW2Error) {
        if let what = metadata?.holder(of: cluster) {
            throw QCOW2Error(.corrupt, path: file.path, field: "refcount of cluster \(cluster)",
                             "is 0 but the cluster holds \(what); repair the image (qemu-img check -r all) before writing")
        }
    }

    /// Adds one reference to an allocated cluster.
    func retain(_ cluster: UInt64) throws(QCOW2Error) {
        let current = try refcounts.refcount(cluster)
        guard current < refcounts.maximum else {
            throw QCOW2Error(.limit, path: file.path, field: "refcount of cluster \(cluster)", "already at its maximum \(current)")
        }
        try refcounts.setRefcount(cluster, current + 1)
    }

    /// Drops one reference; a cluster at 0 is free for the next allocation.
    func release(_ cluster: UInt64) throws(QCOW2Error) {
        let current = try refcounts.refcount(cluster)
        guard current > 0 else {
            throw QCOW2Error(.corrupt, path: file.path, field: "refcount of cluster \(cluster)", "is 0 but the cluster was still referenced")
        }
        try refcounts.setRefcount(cluster, current - 1)
        if current == 1 { hint = min(hint, cluster) }
    }

    /// Makes sure a refcount block covers `cluster`. A missing block is placed at `cluster` itself (free:
    /// no block counted it) and counts itself; a table too small to hold the block's entry grows.
    private func ensureBlock(covering cluster: UInt64) throws(QCOW2Error) {
        let perBlock = refcounts.perBlock
        let blockIndex = cluster / perBlock
        if blockIndex >= UInt64(refcounts.table.count) { try growTable(toCover: blockIndex, from: cluster) }
        guard try refcounts.blockOffset(blockIndex) == nil else { return }
        try refuseMetadata(cluster)
        var block = [UInt8](repeating: 0, count: Int(clusterSize))
        RefcountTable.set(&block, index: cluster % perBlock, order: refcounts.order, value: 1)
        try refcounts.writeBlock(block, at: cluster << UInt64(refcounts.clusterBits))
        try file.sync()   // the block's content before the table entry that makes it count
        try refcounts.setTableEntry(blockIndex, cluster << UInt64(refcounts.clusterBits))
        metadata?.addRefcountBlock(cluster << UInt64(refcounts.clusterBits))
    }

    /// Replaces the refcount table by a larger one placed at `from` (beyond every cluster the old table
    /// could count, so free), with new refcount blocks right after it that count the new table, themselves
    /// and block `blockIndex`. Order: new blocks and table, barrier, header, barrier, free the old table.
    private func growTable(toCover blockIndex: UInt64, from start: UInt64) throws(QCOW2Error) {
        let perBlock = refcounts.perBlock
        let perTableCluster = clusterSize / 8
        let oldEntries = UInt64(refcounts.table.count)
        var entries = max(oldEntries * 2, blockIndex + 1)
        var blockCount: UInt64 = 0
        var newBlocks: [UInt64] = []
        while true {
            entries = (entries + perTableCluster - 1) / perTableCluster * perTableCluster
            let tableClusters = entries / perTableCluster
            let areaEnd = start + tableClusters + blockCount
            var needed = Set((start / perBlock)...((areaEnd - 1) / perBlock))
            needed.insert(blockIndex)
            let sorted = needed.sorted()
            if sorted.last! + 1 > entries { entries = sorted.last! + 1; continue }
            if UInt64(sorted.count) != blockCount { blockCount = UInt64(sorted.count); continue }
            newBlocks = sorted
            break
        }
        let tableClusters = entries / perTableCluster
        guard tableClusters * clusterSize <= QCOW2Header.maximumRefcountTableBytes else {
            throw QCOW2Error(.limit, path: file.path, field: "refcount_table_clusters", "growing past QEMU's 8 MiB bound")
        }
        let area = start..<(start + tableClusters + UInt64(newBlocks.count))
        guard area.upperBound < clusterLimit else { throw QCOW2Error(.limit, path: file.path, "the refcount table cannot grow past 2^56 bytes") }
        for cluster in area { try refuseMetadata(cluster) }
        let bits = UInt64(refcounts.clusterBits)
        var table = refcounts.table + [UInt64](repeating: 0, count: Int(entries - oldEntries))
        for (position, block) in newBlocks.enumerated() {
            let blockCluster = start + tableClusters + UInt64(position)
            var bytes = [UInt8](repeating: 0, count: Int(clusterSize))
            for cluster in area where cluster / perBlock == block {
                RefcountTable.set(&bytes, index: cluster % perBlock, order: refcounts.order, value: 1)
            }
            try refcounts.writeBlock(bytes, at: blockCluster << bits)
            table[Int(block)] = blockCluster << bits
        }
        var tableBytes = [UInt8](repeating: 0, count: Int(tableClusters * clusterSize))
        for (index, entry) in table.enumerated() { tableBytes.put64(entry, at: index * 8) }
        try file.write(tableBytes, at: start << bits)
        try file.sync()
        var field = [UInt8](repeating: 0, count: 12)
        field.put64(start << bits, at: 0)
        field.put32(UInt32(tableClusters), at: 8)
        try file.write(field, at: 48)    // refcount_table_offset, refcount_table_clusters
        try file.sync()
        let oldOffset = refcounts.tableOffset
        let oldClusters = (oldEntries * 8 + clusterSize - 1) / clusterSize
        try refcounts.loadTable(offset: start << bits, clusters: tableClusters)
        metadata?.rebuild()
        for cluster in (oldOffset >> bits)..<((oldOffset >> bits) + oldClusters) { try release(cluster) }
    }
}
