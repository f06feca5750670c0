/// What `QCOW2Check` found: references without a matching refcount (corruption: a later allocation would
/// reuse a cluster still in use), refcounts without references (leaks: wasted space only), and COPIED
/// flags that disagree with refcounts. `qemu-img check` remains the judge; this is the same walk, for
/// users and tests without it.
public struct QCOW2CheckReport: Sendable, Equatable {
    public var corruptions: [String] = []
    public var leaks: [String] = []
    public var leakedClusters: UInt64 = 0
    /// Host clusters with a refcount above zero.
    public var allocatedClusters: UInt64 = 0
    /// Guest clusters mapped by the active L1 table (allocated, zero-with-offset or compressed).
    public var mappedGuestClusters: UInt64 = 0
    public var compressedGuestClusters: UInt64 = 0
    public var fileSize: UInt64 = 0

    public var isClean: Bool { corruptions.isEmpty && leakedClusters == 0 }
    /// Only the first messages of each kind are kept; the counts are exact.
    static let messageLimit = 50
    /// Refcount entries past the end of the file the check reads at most.
    static let pastEndBudget = 1 << 22
}

struct QCOW2Check {
    let engine: QCOW2Engine
    private var references: [UInt64: UInt64] = [:]
    private var report = QCOW2CheckReport()
    private var copiedFlags: [(cluster: UInt64, copied: Bool, what: String)] = []

    init(engine: QCOW2Engine) { self.engine = engine }

    var header: QCOW2Header { engine.header }
    var bits: UInt64 { UInt64(header.clusterBits) }

    mutating func run() throws(QCOW2Error) -> QCOW2CheckReport {
        report.fileSize = try engine.file.size()
        reference(0, header.clusterSize, "header")
        reference(header.l1TableOffset, UInt64(header.l1Size) * 8, "L1 table")
        reference(header.refcountTableOffset, UInt64(header.refcountTableClusters) * header.clusterSize, "refcount table")
        for (index, _) in engine.refcounts.table.enumerated() {
            do {
                if let block = try engine.refcounts.blockOffset(UInt64(index)) { reference(block, header.clusterSize, "refcount block \(index)") }
            } catch { corruption(error.description) }
        }
        if header.snapshotCount > 0 {
            let length = try SnapshotTable.byteLength(engine.snapshots, file: engine.file, header: header)
            reference(header.snapshotsOffset, length, "snapshot table")
        }
        walk(engine.map.l1, active: true, name: "active L1 table")
        for snapshot in engine.snapshots {
            reference(snapshot.l1TableOffset, UInt64(snapshot.l1Size) * 8, "L1 table of snapshot \(snapshot.name)")
            do {
                let l1 = try ClusterMap.readL1(file: engine.file, offset: snapshot.l1TableOffset, entries: snapshot.l1Size,
                                               what: "L1 table of snapshot \(snapshot.name)")
                walk(l1, active: false, name: "snapshot \(snapshot.name)")
            } catch { corruption(error.description) }
        }
        try compare()
        return report
    }

    /// Counts one reference to each cluster of [offset, offset + length); a reference past the end of the
    /// file is corruption (nothing was ever written there) and is not counted, so the walk stays bounded
    /// by the file.
    private mutating func reference(_ offset: UInt64, _ length: UInt64, _ what: String) {
        guard length > 0 else { return }
        let fileClusters = (report.fileSize + header.clusterSize - 1) >> bits
        for cluster in (offset >> bits)...((offset + length - 1) >> bits) {
            guard cluster < fileClusters else {
                corruption("\(what) at \(hex(offset)) lies past the end of the \(report.fileSize)-byte file")
                return
            }
            references[cluster, default: 0] += 1
        }
    }

    private mutating func corruption(_ message: String) {
        if report.corruptions.count < QCOW2CheckReport.messageLimit { report.corruptions.append(message) }
    }

    private mutating func walk(_ l1: [UInt64], active: Bool, name: String) {
        for (l1Index, entry) in l1.enumerated() where entry != 0 {
            do {
                guard let location = try ClusterMap.l2Location(entry, index: l1Index, header: header, file: engine.file) else { continue }
                reference(location.offset, header.clusterSize, "L2 table")
                if active { copiedFlags.append((location.offset >> bits, location.copied, "L1 entry \(l1Index) (L2 table at \(hex(location.offset)))")) }
                let table = try engine.map.table(at: location.offset)
                for (l2Index, raw) in table.enumerated() where raw != 0 {
                    let guest = (UInt64(l1Index) * header.l2Entries + UInt64(l2Index)) << bits
                    let descriptor: ClusterDescriptor
                    do {
                        descriptor = try TableEntry.decode(raw, clusterBits: header.clusterBits, version: header.version,
                                                           field: "\(name): L2 entry for guest offset \(hex(guest))", path: engine.file.path)
                    } catch { corruption(error.description); continue }
                    if active, descriptor != .unallocated { report.mappedGuestClusters += 1 }
                    switch descriptor {
                    case .unallocated, .zero(host: nil): break
                    case let .zero(host?): reference(host, header.clusterSize, "zero cluster")
                    case let .data(host, copied):
                        reference(host, header.clusterSize, "data cluster")
                        if active { copiedFlags.append((host >> bits, copied, "L2 entry for guest offset \(hex(guest)) (data at \(hex(host)))")) }
                    case let .compressed(host, length):
                        if active { report.compressedGuestClusters += 1 }
                        reference(host, length, "compressed cluster")
                    }
                }
            } catch { corruption("\(name): \(error.description)") }
        }
    }

    private mutating func compare() throws(QCOW2Error) {
        // Every cluster the file holds or a table references; refcounts beyond both describe nothing.
        let refcounts = engine.refcounts
        let fileClusters = (report.fileSize + header.clusterSize - 1) >> bits
        for cluster in 0..<fileClusters {
            let stored: UInt64
            do { stored = try refcounts.refcount(cluster) } catch {
                corruption(error.description)
                continue
            }
            let counted = references[cluster] ?? 0
            if stored > 0 { report.allocatedClusters += 1 }
            if stored < counted {
                corruption("cluster \(cluster) (offset \(hex(cluster << bits))) has refcount \(stored) but \(counted) references; a new allocation could overwrite it")
            } else if stored > counted {
                report.leakedClusters += 1
                if report.leaks.count < QCOW2CheckReport.messageLimit {
                    report.leaks.append("cluster \(cluster) (offset \(hex(cluster << bits))) has refcount \(stored) but \(counted) references: leaked, wasted space only")
                }
            }
        }
        // Refcounts past the end of the file count clusters nothing can reference: leaks, which a growing
        // file would expose. Walked per refcount block, within a budget (a hostile table can repeat blocks).
        var budget = QCOW2CheckReport.pastEndBudget
        for block in 0..<UInt64(refcounts.table.count) where budget > 0 {
            guard (try? refcounts.blockOffset(block)) ?? nil != nil else { continue }
            let first = block * refcounts.perBlock, end = first + refcounts.perBlock
            guard end > fileClusters else { continue }
            for cluster in max(first, fileClusters)..<end where budget > 0 {
                budget -= 1
                guard let stored = try? refcounts.refcount(cluster), stored > 0 else { continue }
                report.leakedClusters += 1
                if report.leaks.count < QCOW2CheckReport.messageLimit {
                    report.leaks.append("cluster \(cluster) (offset \(hex(cluster << bits))) past the end of the file has refcount \(stored): leaked")
                }
            }
        }
        for flag in copiedFlags {
            guard let stored = try? refcounts.refcount(flag.cluster) else { continue }
            if flag.copied != (stored == 1) {
                corruption("\(flag.what): COPIED flag is \(flag.copied ? "set" : "clear") but the refcount is \(stored)")
            }
        }
    }
}
