/// What an L2 entry says about one guest cluster, decoded from the untrusted 64-bit entry: reserved
/// bits, alignment and the v2/v3 differences are checked here, once, for every reader of the map.
enum ClusterDescriptor: Equatable {
    /// Not in this image: read from the backing file, or zeros without one.
    case unallocated
    /// Reads as zeros (v3 zero flag); `host` is a preallocated cluster that stays referenced, or nil.
    case zero(host: UInt64?)
    /// Stored uncompressed at `host`; `copied` (bit 63) says its refcount is exactly 1, so it may be
    /// written in place.
    case data(host: UInt64, copied: Bool)
    /// A zlib deflate stream of at most `length` bytes at `host` (byte-aligned, may share host clusters).
    case compressed(host: UInt64, length: UInt64)

    /// The host clusters this descriptor holds a reference to (index, not offset).
    func referencedClusters(clusterBits: UInt32) -> [UInt64] {
        switch self {
        case .unallocated, .zero(host: nil): return []
        case let .zero(host?): return [host >> UInt64(clusterBits)]
        case let .data(host, _): return [host >> UInt64(clusterBits)]
        case let .compressed(host, length):
            let first = host >> UInt64(clusterBits), last = (host + length - 1) >> UInt64(clusterBits)
            return Array(first...last)
        }
    }
}

/// Bit layout of L1 and L2 entries (standard, not extended, L2 entries).
enum TableEntry {
    static let copied: UInt64 = 1 << 63
    static let compressed: UInt64 = 1 << 62
    static let zero: UInt64 = 1
    /// Bits 9–55: a cluster-aligned host offset.
    static let offsetMask: UInt64 = 0x00FF_FFFF_FFFF_FE00
    static let l1Reserved: UInt64 = 0x7F00_0000_0000_01FF
    static let l2Reserved: UInt64 = 0x3F00_0000_0000_01FE

    /// The L2 table offset an L1 entry holds (0: none), checked for reserved bits and alignment.
    static func l2Offset(_ entry: UInt64, index: Int, clusterSize: UInt64, path: String) throws(QCOW2Error) -> UInt64 {
        guard entry & l1Reserved == 0 else {
            throw QCOW2Error(.corrupt, path: path, field: "L1 entry \(index)", "reserved bits are set (\(hex(entry)))")
        }
        let offset = entry & offsetMask
        guard offset % clusterSize == 0 else {
            throw QCOW2Error(.corrupt, path: path, field: "L1 entry \(index)", "L2 table offset \(hex(offset)) is not cluster-aligned")
        }
        return offset
    }

    static func decode(_ entry: UInt64, clusterBits: UInt32, version: UInt32, field: @autoclosure () -> String,
                       path: String) throws(QCOW2Error) -> ClusterDescriptor {
        if entry & compressed != 0 {
            guard entry & copied == 0 else {
                throw QCOW2Error(.corrupt, path: path, field: field(), "a compressed cluster has the COPIED flag (\(hex(entry)))")
            }
            let offsetBits = 62 - (UInt64(clusterBits) - 8)
            let host = entry & ((1 << offsetBits) - 1)
            let sectors = ((entry >> offsetBits) & ((1 << (UInt64(clusterBits) - 8)) - 1)) + 1
            guard host != 0 else { throw QCOW2Error(.corrupt, path: path, field: field(), "a compressed cluster at offset 0") }
            return .compressed(host: host, length: sectors * 512 - (host & 511))
        }
        guard entry & l2Reserved == 0 else {
            throw QCOW2Error(.corrupt, path: path, field: field(), "reserved bits are set (\(hex(entry)))")
        }
        let host = entry & offsetMask
        if host % (UInt64(1) << UInt64(clusterBits)) != 0 {
            throw QCOW2Error(.corrupt, path: path, field: field(), "host offset \(hex(host)) is not cluster-aligned")
        }
        if entry & zero != 0 {
            guard version >= 3 else {
                throw QCOW2Error(.corrupt, path: path, field: field(), "the zero flag is set in a version 2 image")
            }
            return .zero(host: host == 0 ? nil : host)
        }
        return host == 0 ? .unallocated : .data(host: host, copied: entry & copied != 0)
    }
}
