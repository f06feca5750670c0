/// Where an image keeps its metadata (header, L1 and refcount tables, refcount blocks, active L2 tables,
/// the snapshot table and the snapshots' L1 tables), so that no write lands on it. With consistent
/// refcounts no allocation ever could; a damaged or crafted image whose refcounts say 0 for a metadata
/// cluster, or whose L2 entry points at one, is refused instead of being overwritten (QEMU's overlap
/// checks do the same and mark the image corrupt).
final class MetadataAreas {
    let clusterBits: UInt64
    /// Fixed for the life of the open image: header, snapshot table, snapshots' L1 tables.
    private var fixed: [(clusters: Range<UInt64>, what: String)] = []
    private let map: ClusterMap
    private let refcounts: RefcountTable
    private(set) var l2Tables: Set<UInt64> = []
    private(set) var refcountBlocks: Set<UInt64> = []

    init(header: QCOW2Header, snapshots: [QCOW2Snapshot], snapshotTableBytes: UInt64, map: ClusterMap,
         refcounts: RefcountTable) {
        clusterBits = UInt64(header.clusterBits)
        self.map = map
        self.refcounts = refcounts
        fixed.append((0..<1, "the header"))
        if snapshotTableBytes > 0 { fixed.append((clusters(header.snapshotsOffset, snapshotTableBytes), "the snapshot table")) }
        for snapshot in snapshots where snapshot.l1Size > 0 {
            fixed.append((clusters(snapshot.l1TableOffset, UInt64(snapshot.l1Size) * 8), "the L1 table of snapshot '\(snapshot.name)'"))
        }
        rebuild()
    }

    private func clusters(_ offset: UInt64, _ length: UInt64) -> Range<UInt64> {
        (offset >> clusterBits)..<((offset + length + (1 << clusterBits) - 1) >> clusterBits)
    }

    /// Re-reads the L2 table and refcount block locations (after the tables changed or were reloaded).
    func rebuild() {
        l2Tables = Set(map.l1.compactMap { entry in
            let offset = entry & TableEntry.offsetMask
            return offset == 0 ? nil : offset >> clusterBits
        })
        refcountBlocks = Set(refcounts.table.compactMap { $0 == 0 ? nil : ($0 & ~0x1FF) >> clusterBits })
    }

    func addL2(_ offset: UInt64) { l2Tables.insert(offset >> clusterBits) }
    func removeL2(_ offset: UInt64) { l2Tables.remove(offset >> clusterBits) }
    func addRefcountBlock(_ offset: UInt64) { refcountBlocks.insert(offset >> clusterBits) }

    /// What metadata host cluster `cluster` holds, or nil. `allowL2`: an active L2 table is what the
    /// caller expects there.
    func holder(of cluster: UInt64, allowL2: Bool = false, allowRefcountBlock: Bool = false) -> String? {
        for area in fixed where area.clusters.contains(cluster) { return area.what }
        if clusters(map.header.l1TableOffset, UInt64(map.header.l1Size) * 8).contains(cluster) { return "the active L1 table" }
        if clusters(refcounts.tableOffset, UInt64(refcounts.table.count) * 8).contains(cluster) { return "the refcount table" }
        if !allowRefcountBlock, refcountBlocks.contains(cluster) { return "a refcount block" }
        if !allowL2, l2Tables.contains(cluster) { return "an active L2 table" }
        return nil
    }

    /// Checks, before a read-write open is accepted, that refcount blocks and L2 tables are not placed on
    /// other metadata (writing refcounts or L2 entries there would destroy it).
    func checkPlacement(path: String) throws(QCOW2Error) {
        for block in refcountBlocks {
            if let what = holder(of: block, allowL2: false, allowRefcountBlock: true) {
                throw QCOW2Error(.corrupt, path: path, field: "refcount table", "a refcount block at \(hex(block << clusterBits)) lies on \(what)")
            }
        }
        for table in l2Tables {
            if let what = holder(of: table, allowL2: true) {
                throw QCOW2Error(.corrupt, path: path, field: "L1 table", "an L2 table at \(hex(table << clusterBits)) lies on \(what)")
            }
        }
    }
}
