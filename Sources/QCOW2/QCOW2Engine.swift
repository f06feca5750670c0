import BlockBackends

/// The qcow2 state machine behind `QCOW2Image`: guest byte ranges → clusters → host offsets, reads that
/// fall through to zeros, compressed data or the backing file, and writes that allocate or copy.
/// Not thread-safe by itself; `QCOW2Image` holds it under a mutex.
///
/// Crash safety is by ordered writes (no dirty bit, no lazy refcounts), for a request that allocates:
///   1. refcounts of the new clusters (and any new refcount block), the data, new or copied L2 tables;
///   2. fdatasync — everything above is durable before anything refers to it;
///   3. L2 entries in existing tables, then L1 entries for new tables;
///   4. only when a cluster was copied (snapshot, compressed, preallocated zero) or an L2 table was
///      unshared: fdatasync, then the old clusters' refcounts are decremented.
/// A crash at any point leaves at worst leaked clusters (refcount above the references), which
/// `qemu-img check -r leaks` reclaims; never a reference to a cluster whose refcount is too low. Writes to
/// clusters already owned (COPIED) go in place with no metadata change.
final class QCOW2Engine {
    let file: ImageFile
    let header: QCOW2Header
    let map: ClusterMap
    let refcounts: RefcountTable
    let allocator: ClusterAllocator
    let metadata: MetadataAreas
    let snapshots: [QCOW2Snapshot]
    let backing: (any BlockBackend)?
    private var lastInflated: (host: UInt64, bytes: [UInt8])?
    /// Where the next compressed cluster may start: the end of the last one, inside a host cluster this
    /// session allocated for compressed data.
    private var compressedTail: UInt64?

    init(file: ImageFile, header: QCOW2Header, snapshots: [QCOW2Snapshot], backing: (any BlockBackend)?) throws(QCOW2Error) {
        self.file = file
        self.header = header
        self.snapshots = snapshots
        self.backing = backing
        map = try ClusterMap(file: file, header: header)
        refcounts = try RefcountTable(file: file, header: header)
        allocator = ClusterAllocator(refcounts: refcounts)
        let snapshotBytes = snapshots.isEmpty ? 0 : try SnapshotTable.byteLength(snapshots, file: file, header: header)
        metadata = MetadataAreas(header: header, snapshots: snapshots, snapshotTableBytes: snapshotBytes, map: map, refcounts: refcounts)
        allocator.metadata = metadata
        if !file.readOnly { try metadata.checkPlacement(path: file.path) }
    }

    var clusterSize: UInt64 { header.clusterSize }
    var clusterBits: UInt64 { UInt64(header.clusterBits) }

    // MARK: reading

    func read(at offset: UInt64, into buffer: inout [UInt8]) throws(QCOW2Error) {
        var done = 0
        while done < buffer.count {
            let guest = offset + UInt64(done)
            let cluster = guest >> clusterBits
            let within = Int(guest & (clusterSize - 1))
            let count = min(Int(clusterSize) - within, buffer.count - done)
            try readPiece(cluster, within: within, into: &buffer[done..<(done + count)])
            done += count
        }
    }

    private func readPiece(_ cluster: UInt64, within: Int, into slice: inout ArraySlice<UInt8>) throws(QCOW2Error) {
        switch try map.descriptor(cluster) {
        case .unallocated:
            try readBacking(at: (cluster << clusterBits) + UInt64(within), into: &slice)
        case .zero:
            for index in slice.indices { slice[index] = 0 }
        case let .data(host, _):
            try file.readZeroFilled(at: host + UInt64(within), into: &slice)
        case let .compressed(host, length):
            let bytes = try inflated(host: host, length: length)
            slice.replaceSubrange(slice.indices, with: bytes[within..<(within + slice.count)])
        }
    }

    /// The backing file's bytes at the same guest offset; zeros past its end (or without one).
    private func readBacking(at offset: UInt64, into slice: inout ArraySlice<UInt8>) throws(QCOW2Error) {
        let available = backing.map { $0.size > offset ? Int(min(UInt64(slice.count), $0.size - offset)) : 0 } ?? 0
        if available > 0, let backing {
            var bytes = [UInt8](repeating: 0, count: available)
            do { try backing.read(at: offset, into: &bytes) } catch {
                throw QCOW2Error(.backing, path: file.path, "reading the backing file at \(hex(offset)): \(error)")
            }
            slice.replaceSubrange(slice.startIndex..<(slice.startIndex + available), with: bytes)
        }
        for index in (slice.startIndex + available)..<slice.endIndex { slice[index] = 0 }
    }

    private func inflated(host: UInt64, length: UInt64) throws(QCOW2Error) -> [UInt8] {
        if let last = lastInflated, last.host == host { return last.bytes }
        let fileSize = try file.size()
        guard host < fileSize else {
            throw QCOW2Error(.corrupt, path: file.path, field: "compressed cluster at \(hex(host))", "starts past the end of the \(fileSize)-byte file")
        }
        let stored = try file.read(at: host, count: Int(min(length, fileSize - host)), what: "compressed cluster at \(hex(host))")
        guard let bytes = CompressedCluster.inflate(stored, clusterSize: Int(clusterSize)) else {
            throw QCOW2Error(.corrupt, path: file.path, field: "compressed cluster at \(hex(host))",
                             "its \(stored.count) bytes do not inflate to one \(clusterSize)-byte cluster")
        }
        lastInflated = (host, bytes)
        return bytes
    }

    /// A whole guest cluster as the guest would read it.
    private func content(_ cluster: UInt64, _ descriptor: ClusterDescriptor) throws(QCOW2Error) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Int(clusterSize))
        switch descriptor {
        case .unallocated: try readBacking(at: cluster << clusterBits, into: &bytes[...])
        case .zero: break
        case let .data(host, _): try file.readZeroFilled(at: host, into: &bytes[...])
        case let .compressed(host, length): bytes = try inflated(host: host, length: length)
        }
        return bytes
    }

    // MARK: writing

    /// What one request changes in the metadata, applied in the documented order by `commit`.
    private struct Pending {
        /// L1 index → a new L2 table (empty, or a copy of `replaced`, a table shared with a snapshot).
        var newTables: [Int: (offset: UInt64, replaced: UInt64?, entries: [UInt64])] = [:]
        var entryWrites: [(table: UInt64, index: Int, value: UInt64)] = []
        var releases: [UInt64] = []
    }

    func write(_ bytes: ArraySlice<UInt8>, at offset: UInt64) throws(QCOW2Error) {
        var pending = Pending()
        do {
            var done = 0
            while done < bytes.count {
                let guest = offset + UInt64(done)
                let within = Int(guest & (clusterSize - 1))
                let count = min(Int(clusterSize) - within, bytes.count - done)
                let start = bytes.startIndex + done
                try writePiece(guest >> clusterBits, within: within, bytes[start..<(start + count)], &pending)
                done += count
            }
            try commit(pending)
        } catch {
            reloadAfterFailure()
            throw error
        }
    }

    private func writePiece(_ cluster: UInt64, within: Int, _ piece: ArraySlice<UInt8>, _ pending: inout Pending) throws(QCOW2Error) {
        let (l1Index, l2Index) = map.indices(cluster)
        let table = try writableTable(l1Index, &pending)
        let raw: UInt64
        if let new = pending.newTables[l1Index] { raw = new.entries[l2Index] } else { raw = try map.table(at: table)[l2Index] }
        let descriptor = try TableEntry.decode(raw, clusterBits: header.clusterBits, version: header.version,
                                               field: "L2 entry \(l2Index) of the L2 table at \(hex(table))", path: file.path)
        if case let .data(host, copied: true) = descriptor {
            if let what = metadata.holder(of: host >> clusterBits) {
                throw QCOW2Error(.corrupt, path: file.path, field: "L2 entry \(l2Index) of the L2 table at \(hex(table))",
                                 "the data cluster \(hex(host)) is \(what)")
            }
            try file.write(piece, at: host + UInt64(within))
            return
        }
        var data: [UInt8]
        if piece.count == Int(clusterSize) {
            data = Array(piece)
        } else {
            data = try content(cluster, descriptor)
            data.replaceSubrange(within..<(within + piece.count), with: piece)
        }
        let host = try allocator.allocate()
        try file.write(data, at: host)
        link(l1Index, l2Index, table: table, value: host | TableEntry.copied, &pending)
        pending.releases += descriptor.referencedClusters(clusterBits: header.clusterBits)
        if case .compressed = descriptor { lastInflated = nil }
    }

    private func link(_ l1Index: Int, _ l2Index: Int, table: UInt64, value: UInt64, _ pending: inout Pending) {
        if pending.newTables[l1Index] != nil {
            pending.newTables[l1Index]!.entries[l2Index] = value
        } else {
            pending.entryWrites.append((table, l2Index, value))
        }
    }

    /// The L2 table this request may change for `l1Index`: the existing one when this image alone owns it,
    /// else a new one (empty, or a copy of a table shared with a snapshot), written at commit.
    private func writableTable(_ l1Index: Int, _ pending: inout Pending) throws(QCOW2Error) -> UInt64 {
        if let new = pending.newTables[l1Index] { return new.offset }
        if let location = try map.l2Location(l1Index) {
            if location.copied { return location.offset }
            let entries = try map.table(at: location.offset)
            let offset = try allocator.allocate()
            pending.newTables[l1Index] = (offset, location.offset, entries)
            return offset
        }
        let offset = try allocator.allocate()
        pending.newTables[l1Index] = (offset, nil, [UInt64](repeating: 0, count: Int(header.l2Entries)))
        return offset
    }

    private func commit(_ pending: Pending) throws(QCOW2Error) {
        guard !pending.newTables.isEmpty || !pending.entryWrites.isEmpty else { return }
        for (_, table) in pending.newTables { try map.writeTable(table.entries, at: table.offset) }
        try file.sync()
        for write in pending.entryWrites { try map.writeEntry(table: write.table, index: write.index, value: write.value) }
        for (l1Index, table) in pending.newTables.sorted(by: { $0.key < $1.key }) {
            try map.writeL1(l1Index, table.offset | TableEntry.copied)
            metadata.addL2(table.offset)
            if let replaced = table.replaced { metadata.removeL2(replaced) }
        }
        let replaced = pending.newTables.values.compactMap(\.replaced)
        guard !pending.releases.isEmpty || !replaced.isEmpty else { return }
        try file.sync()
        for cluster in pending.releases { try allocator.release(cluster) }
        for table in replaced { try allocator.release(table >> clusterBits) }
    }

    /// After a failed request memory may be ahead of the file: forget the caches and re-read the tables.
    private func reloadAfterFailure() {
        lastInflated = nil
        compressedTail = nil
        refcounts.dropCache()
        try? map.reload()
        metadata.rebuild()
    }

    /// Stores one whole guest cluster compressed (as `qemu-img convert -c` does), packed after the
    /// previous compressed cluster when it fits in the same host cluster. The guest cluster must not be
    /// allocated yet. Data that does not compress is stored plain.
    func writeCompressed(cluster: UInt64, _ data: [UInt8]) throws(QCOW2Error) {
        guard data.count == Int(clusterSize), (cluster + 1) << clusterBits <= (header.size + clusterSize - 1) / clusterSize * clusterSize else {
            throw QCOW2Error(.limit, path: file.path, "a compressed write takes one whole cluster inside the disk")
        }
        guard try map.descriptor(cluster) == .unallocated else {
            throw QCOW2Error(.corrupt, path: file.path, field: "guest cluster \(cluster)", "already allocated; compressed writes go to empty clusters only")
        }
        guard let compressed = CompressedCluster.deflate(data) else { return try write(data[...], at: cluster << clusterBits) }
        var pending = Pending()
        do {
            let length = UInt64(compressed.count)
            var offset: UInt64
            if let tail = compressedTail, tail & (clusterSize - 1) != 0, (tail & (clusterSize - 1)) + length <= clusterSize,
               try refcounts.refcount(tail >> clusterBits) > 0 {
                offset = tail
                try allocator.retain(tail >> clusterBits)
            } else {
                offset = try allocator.allocate()
            }
            let end = offset + length
            var padded = compressed
            padded += [UInt8](repeating: 0, count: Int((end + 511) / 512 * 512 - end))
            try file.write(padded, at: offset)
            compressedTail = end
            let offsetBits = 62 - (clusterBits - 8)
            let sectors = (end - 1) / 512 - offset / 512
            let (l1Index, l2Index) = map.indices(cluster)
            let table = try writableTable(l1Index, &pending)
            link(l1Index, l2Index, table: table, value: TableEntry.compressed | sectors << offsetBits | offset, &pending)
            try commit(pending)
        } catch {
            reloadAfterFailure()
            throw error
        }
    }

    /// The autoclear bits (bitmaps, raw external data) describe extensions this implementation does not
    /// keep consistent; the specification asks a writer that does not know them to clear them.
    func clearAutoclearBits() throws(QCOW2Error) {
        guard header.version >= 3, header.autoclearFeatures != 0 else { return }
        try file.write(bigEndianBytes(0), at: 88)
        try file.sync()
    }
}
