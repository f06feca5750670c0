/// Internal snapshots, read only: their L1 tables are walked by the consistency check and their clusters
/// are never written (a shared cluster has refcount > 1, and the engine copies it before writing).
public struct QCOW2Snapshot: Sendable, Equatable {
    public var id: String
    public var name: String
    public var l1TableOffset: UInt64
    public var l1Size: UInt32
    public var vmStateSize: UInt32
    /// The virtual disk size at the snapshot (extra data, v3), when recorded.
    public var diskSize: UInt64?
}

enum SnapshotTable {
    /// Parses `header.snapshotCount` entries at `snapshotsOffset`, each bounded by the file.
    static func parse(file: ImageFile, header: QCOW2Header, fileSize: UInt64) throws(QCOW2Error) -> [QCOW2Snapshot] {
        var snapshots: [QCOW2Snapshot] = []
        var offset = header.snapshotsOffset
        for number in 0..<Int(header.snapshotCount) {
            let field = "snapshot table entry \(number)"
            let fixed = try file.read(at: offset, count: 40, what: field)
            let idSize = UInt64(fixed.be16(12)), nameSize = UInt64(fixed.be16(14))
            let extraSize = UInt64(fixed.be32(36))
            guard extraSize <= 1024 else {
                throw QCOW2Error(.corrupt, path: file.path, field: field, "extra data size \(extraSize) is above QEMU's 1024")
            }
            let variable = extraSize + idSize + nameSize
            guard offset + 40 + variable <= fileSize else {
                throw QCOW2Error(.corrupt, path: file.path, field: field, "its \(40 + variable) bytes pass the end of the file")
            }
            let rest = try file.read(at: offset + 40, count: Int(variable), what: field)
            let extra = Array(rest[0..<Int(extraSize)])
            let id = String(decoding: rest[Int(extraSize)..<Int(extraSize + idSize)], as: UTF8.self)
            let name = String(decoding: rest[Int(extraSize + idSize)..<Int(variable)], as: UTF8.self)
            let l1Offset = fixed.be64(0), l1Size = fixed.be32(8)
            guard UInt64(l1Size) * 8 <= QCOW2Header.maximumL1Bytes, l1Offset % header.clusterSize == 0,
                  l1Size == 0 || (l1Offset >= header.clusterSize && l1Offset + UInt64(l1Size) * 8 <= fileSize) else {
                throw QCOW2Error(.corrupt, path: file.path, field: "\(field) l1_table_offset/l1_size",
                                 "L1 table [\(hex(l1Offset)), +\(UInt64(l1Size) * 8)) is unaligned, too large or past the file")
            }
            snapshots.append(QCOW2Snapshot(id: id, name: name, l1TableOffset: l1Offset, l1Size: l1Size,
                                           vmStateSize: fixed.be32(32), diskSize: extra.count >= 16 ? extra.be64(8) : nil))
            offset = (offset + 40 + variable + 7) / 8 * 8
        }
        return snapshots
    }

    /// Bytes the table takes (entries padded to 8), for the consistency check.
    static func byteLength(_ snapshots: [QCOW2Snapshot], file: ImageFile, header: QCOW2Header) throws(QCOW2Error) -> UInt64 {
        var offset = header.snapshotsOffset
        for _ in snapshots {
            let fixed = try file.read(at: offset, count: 40, what: "snapshot table")
            offset = (offset + 40 + UInt64(fixed.be32(36)) + UInt64(fixed.be16(12)) + UInt64(fixed.be16(14)) + 7) / 8 * 8
        }
        return offset - header.snapshotsOffset
    }
}
