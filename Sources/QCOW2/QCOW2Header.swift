/// The qcow2 header (versions 2 and 3; docs/interop/qcow2.txt in QEMU), parsed from untrusted bytes and
/// checked against the file's size before anything it points at is read: every offset aligned and
/// inside the file, every table size bounded, no two metadata areas overlapping.
public struct QCOW2Header: Sendable, Equatable {
    public static let magic: UInt32 = 0x5146_49FB          // "QFI\xfb"
    public static let version2Length = 72
    public static let version3Length = 104
    /// cluster_bits QEMU accepts: 512 bytes to 2 MiB.
    public static let clusterBitsRange: ClosedRange<UInt32> = 9...21
    /// QEMU's bounds on the L1 table (32 MiB) and the refcount table (8 MiB).
    public static let maximumL1Bytes: UInt64 = 32 << 20
    public static let maximumRefcountTableBytes: UInt64 = 8 << 20
    public static let maximumSnapshots: UInt32 = 65536
    public static let maximumBackingNameBytes: UInt32 = 1023

    public var version: UInt32
    public var backingFileOffset: UInt64
    public var backingFileSize: UInt32
    public var clusterBits: UInt32
    /// The virtual disk's size in bytes.
    public var size: UInt64
    public var cryptMethod: UInt32
    public var l1Size: UInt32
    public var l1TableOffset: UInt64
    public var refcountTableOffset: UInt64
    public var refcountTableClusters: UInt32
    public var snapshotCount: UInt32
    public var snapshotsOffset: UInt64
    public var incompatibleFeatures: UInt64
    public var compatibleFeatures: UInt64
    public var autoclearFeatures: UInt64
    public var refcountOrder: UInt32
    public var headerLength: UInt32
    public var compressionType: UInt8
    /// From the header's tail and extensions.
    public var backingFile: String?
    public var extensions: HeaderExtensions

    public var clusterSize: UInt64 { 1 << UInt64(clusterBits) }
    /// Entries in one L2 table (8 bytes each).
    public var l2Entries: UInt64 { clusterSize / 8 }
    public var refcountBits: UInt64 { 1 << UInt64(refcountOrder) }
    /// Refcount entries in one refcount block.
    public var refcountsPerBlock: UInt64 { clusterSize * 8 / refcountBits }
    /// L1 entries needed to map `size` bytes.
    public var requiredL1Entries: UInt64 { Self.l1Entries(size: size, clusterBits: clusterBits) }

    static func l1Entries(size: UInt64, clusterBits: UInt32) -> UInt64 {
        let perL2 = UInt64(1) << UInt64(2 * clusterBits - 3)   // cluster size × entries per L2
        return size / perL2 + (size % perL2 == 0 ? 0 : 1)
    }

    /// Parses and checks the header at the start of `bytes` (the image's first cluster, or the whole file
    /// when it is shorter) against `fileSize`. Fields are named as in QEMU's specification.
    public static func parse(_ bytes: [UInt8], fileSize: UInt64, path: String) throws(QCOW2Error) -> QCOW2Header {
        func bad(_ field: String, _ problem: String) -> QCOW2Error { QCOW2Error(.header, path: path, field: field, problem) }
        guard bytes.count >= version2Length else {
            throw bad("header", "the file has \(bytes.count) bytes, fewer than the 72 of a qcow2 header")
        }
        guard bytes.be32(0) == magic else { throw bad("magic", "\(hex(UInt64(bytes.be32(0)))) is not the qcow2 magic QFI\\xfb") }
        let version = bytes.be32(4)
        guard version == 2 || version == 3 else { throw QCOW2Error(.unsupported, path: path, field: "version", "version \(version); only 2 and 3 exist") }
        var header = QCOW2Header(
            version: version, backingFileOffset: bytes.be64(8), backingFileSize: bytes.be32(16),
            clusterBits: bytes.be32(20), size: bytes.be64(24), cryptMethod: bytes.be32(32), l1Size: bytes.be32(36),
            l1TableOffset: bytes.be64(40), refcountTableOffset: bytes.be64(48), refcountTableClusters: bytes.be32(56),
            snapshotCount: bytes.be32(60), snapshotsOffset: bytes.be64(64), incompatibleFeatures: 0,
            compatibleFeatures: 0, autoclearFeatures: 0, refcountOrder: 4, headerLength: UInt32(version2Length),
            compressionType: 0, backingFile: nil, extensions: HeaderExtensions())
        guard clusterBitsRange.contains(header.clusterBits) else {
            throw bad("cluster_bits", "\(header.clusterBits) is outside 9…21 (cluster sizes 512 bytes to 2 MiB)")
        }
        let clusterSize = header.clusterSize
        if version == 3 {
            guard bytes.count >= version3Length else { throw bad("header_length", "a version 3 header needs 104 bytes, the file has \(bytes.count)") }
            header.incompatibleFeatures = bytes.be64(72)
            header.compatibleFeatures = bytes.be64(80)
            header.autoclearFeatures = bytes.be64(88)
            header.refcountOrder = bytes.be32(96)
            header.headerLength = bytes.be32(100)
            guard header.headerLength >= version3Length, UInt64(header.headerLength) <= clusterSize,
                  Int(header.headerLength) <= bytes.count else {
                throw bad("header_length", "\(header.headerLength) is not between 104 and the cluster size \(clusterSize) (or passes the file)")
            }
            guard header.refcountOrder <= 6 else { throw bad("refcount_order", "\(header.refcountOrder) is above 6 (64-bit refcounts)") }
            if header.headerLength > 104 { header.compressionType = bytes[104] }
        }
        guard header.cryptMethod == 0 else {
            throw QCOW2Error(.unsupported, path: path, field: "crypt_method", "encrypted images (method \(header.cryptMethod)) are not supported")
        }

        // The tables: bounded sizes, aligned offsets, inside the file, apart from each other.
        guard header.size <= UInt64(Int64.max) else { throw bad("size", "\(header.size) bytes passes 2^63") }
        let l1Bytes = UInt64(header.l1Size) * 8
        guard l1Bytes <= maximumL1Bytes else { throw bad("l1_size", "\(header.l1Size) entries is above QEMU's 32 MiB L1 table bound") }
        guard UInt64(header.l1Size) >= header.requiredL1Entries else {
            throw bad("l1_size", "\(header.l1Size) entries map less than the virtual size \(header.size) (\(header.requiredL1Entries) needed)")
        }
        let l1 = try area("l1_table_offset", header.l1TableOffset, l1Bytes, clusterSize: clusterSize, fileSize: fileSize, path: path)
        let refcountBytes = UInt64(header.refcountTableClusters) * clusterSize
        guard header.refcountTableClusters > 0, refcountBytes <= maximumRefcountTableBytes else {
            throw bad("refcount_table_clusters", "\(header.refcountTableClusters) is 0 or above QEMU's 8 MiB bound")
        }
        let refcounts = try area("refcount_table_offset", header.refcountTableOffset, refcountBytes, clusterSize: clusterSize, fileSize: fileSize, path: path)
        guard header.snapshotCount <= maximumSnapshots else { throw bad("nb_snapshots", "\(header.snapshotCount) is above 65536") }
        if header.snapshotCount > 0 {
            // Each entry takes at least 40 bytes: the table's smallest size must fit in the file.
            _ = try area("snapshots_offset", header.snapshotsOffset, UInt64(header.snapshotCount) * 40, clusterSize: clusterSize,
                         fileSize: fileSize, path: path)
        }
        if l1Bytes > 0, l1.overlaps(refcounts) {
            throw bad("l1_table_offset", "the L1 table \(l1) overlaps the refcount table \(refcounts)")
        }

        // Extensions end where the backing file name starts (or at the end of the first cluster).
        var extensionsEnd = min(UInt64(bytes.count), clusterSize)
        if header.backingFileOffset != 0 {
            guard header.backingFileSize <= maximumBackingNameBytes else {
                throw bad("backing_file_size", "\(header.backingFileSize) bytes is above QEMU's 1023")
            }
            let end = header.backingFileOffset.addingReportingOverflow(UInt64(header.backingFileSize))
            guard !end.overflow, end.partialValue <= min(UInt64(bytes.count), clusterSize),
                  header.backingFileOffset >= UInt64(header.headerLength) else {
                throw bad("backing_file_offset", "the name [\(hex(header.backingFileOffset)), +\(header.backingFileSize)) is not inside the header cluster after the header")
            }
            let name = Array(bytes[Int(header.backingFileOffset)..<Int(end.partialValue)])
            guard let text = String(validating: name, as: UTF8.self), !text.isEmpty, !text.contains("\0") else {
                throw bad("backing_file_offset", "the backing file name is empty, not UTF-8 or holds a NUL")
            }
            header.backingFile = text
            extensionsEnd = min(extensionsEnd, header.backingFileOffset)
        }
        header.extensions = try HeaderExtensions.parse(bytes, from: Int(header.headerLength), to: Int(extensionsEnd), path: path)
        return header
    }

    /// [offset, offset + length) checked: cluster-aligned, after the header cluster, inside the file.
    private static func area(_ field: String, _ offset: UInt64, _ length: UInt64, clusterSize: UInt64, fileSize: UInt64,
                             path: String) throws(QCOW2Error) -> Range<UInt64> {
        guard length > 0 else { return offset..<offset }
        guard offset % clusterSize == 0 else {
            throw QCOW2Error(.header, path: path, field: field, "\(hex(offset)) is not aligned to the \(clusterSize)-byte cluster")
        }
        guard offset >= clusterSize else {
            throw QCOW2Error(.header, path: path, field: field, "\(hex(offset)) points into the header cluster")
        }
        let end = offset.addingReportingOverflow(length)
        guard !end.overflow, end.partialValue <= fileSize else {
            throw QCOW2Error(.header, path: path, field: field,
                             "the table [\(hex(offset)), +\(length)) passes the end of the \(fileSize)-byte file")
        }
        return offset..<end.partialValue
    }

    /// The header as bytes (length `headerLength`), for writing a new image.
    func encoded() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Int(headerLength))
        bytes.put32(Self.magic, at: 0)
        bytes.put32(version, at: 4)
        bytes.put64(backingFileOffset, at: 8)
        bytes.put32(backingFileSize, at: 16)
        bytes.put32(clusterBits, at: 20)
        bytes.put64(size, at: 24)
        bytes.put32(cryptMethod, at: 32)
        bytes.put32(l1Size, at: 36)
        bytes.put64(l1TableOffset, at: 40)
        bytes.put64(refcountTableOffset, at: 48)
        bytes.put32(refcountTableClusters, at: 56)
        bytes.put32(snapshotCount, at: 60)
        bytes.put64(snapshotsOffset, at: 64)
        if version >= 3 {
            bytes.put64(incompatibleFeatures, at: 72)
            bytes.put64(compatibleFeatures, at: 80)
            bytes.put64(autoclearFeatures, at: 88)
            bytes.put32(refcountOrder, at: 96)
            bytes.put32(headerLength, at: 100)
        }
        return bytes
    }
}

extension Range<UInt64> {
    var description: String { "[\(hex(lowerBound)), \(hex(upperBound)))" }
}
