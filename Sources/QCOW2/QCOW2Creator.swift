#if canImport(Glibc)
import Glibc
#endif
import BlockBackends

/// What `QCOW2Creator.create` makes.
public struct QCOW2CreateOptions: Sendable {
    /// Virtual size in bytes (rounded up to 512); nil takes the backing file's size.
    public var size: UInt64?
    public var clusterSize: UInt64 = 65536
    /// 3 (QEMU's default, `compat=1.1`) or 2 (`compat=0.10`).
    public var version: UInt32 = 3
    /// log2 of the refcount width in bits (4: 16-bit, the only width version 2 has).
    public var refcountOrder: UInt32 = 4
    /// Stored as given (relative names resolve against the new image's directory).
    public var backingFile: String?
    /// Probed from the backing file when nil; always recorded, as QEMU 7.2 requires.
    public var backingFormat: ImageFormat?

    public init(size: UInt64? = nil, clusterSize: UInt64 = 65536, version: UInt32 = 3, refcountOrder: UInt32 = 4,
                backingFile: String? = nil, backingFormat: ImageFormat? = nil) {
        self.size = size
        self.clusterSize = clusterSize
        self.version = version
        self.refcountOrder = refcountOrder
        self.backingFile = backingFile
        self.backingFormat = backingFormat
    }
}

/// Writes a new, empty qcow2 image laid out as `qemu-img create` does: the header cluster (header,
/// extensions, backing file name), one refcount table cluster, one refcount block, the L1 table.
public enum QCOW2Creator {
    public static func create(path: String, options: QCOW2CreateOptions) throws(QCOW2Error) {
        func bad(_ field: String, _ problem: String) -> QCOW2Error { QCOW2Error(.limit, path: path, field: field, problem) }
        let clusterSize = options.clusterSize
        guard clusterSize.nonzeroBitCount == 1, (512...(2 << 20)).contains(clusterSize) else {
            throw bad("cluster size", "\(clusterSize) is not a power of two between 512 bytes and 2 MiB")
        }
        guard options.version == 2 || options.version == 3 else { throw bad("version", "\(options.version); use 2 or 3") }
        guard options.refcountOrder <= 6, options.version == 3 || options.refcountOrder == 4 else {
            throw bad("refcount_order", "\(options.refcountOrder) (0…6; version 2 has only 16-bit refcounts)")
        }
        let clusterBits = UInt32(clusterSize.trailingZeroBitCount)
        var backingFormat = options.backingFormat
        var size = options.size
        if let backing = options.backingFile, size == nil || backingFormat == nil {
            let resolved = backing.hasPrefix("/") ? backing : directory(of: path) + backing
            do {
                var format = ImageFormat.raw
                if let backingFormat { format = backingFormat } else { format = try DiskImageOpener.probe(path: resolved) }
                backingFormat = format
                let opened = try DiskImageOpener.open(path: resolved, format: format, readOnly: true)
                if size == nil { size = opened.size }
            } catch {
                throw QCOW2Error(.backing, path: path, field: "backing file", "\(error)")
            }
        }
        guard let requested = size else { throw bad("size", "no size given and no backing file to take it from") }
        guard requested <= UInt64(Int64.max) - 511 else { throw bad("size", "\(requested) bytes is too large") }
        let virtualSize = (requested + 511) / 512 * 512
        let l1Entries = QCOW2Header.l1Entries(size: virtualSize, clusterBits: clusterBits)
        guard l1Entries * 8 <= QCOW2Header.maximumL1Bytes else { throw bad("size", "\(virtualSize) bytes needs an L1 table above 32 MiB; use a larger cluster size") }
        let l1Clusters = max(1, (l1Entries * 8 + clusterSize - 1) / clusterSize)
        let metadataClusters = 3 + l1Clusters
        let perBlock = (clusterSize * 8) >> UInt64(options.refcountOrder)
        guard metadataClusters <= perBlock else { throw bad("size", "the L1 table needs more clusters than one refcount block counts; use a larger cluster size") }

        var header = QCOW2Header(
            version: options.version, backingFileOffset: 0, backingFileSize: 0, clusterBits: clusterBits, size: virtualSize,
            cryptMethod: 0, l1Size: UInt32(l1Entries), l1TableOffset: 3 * clusterSize, refcountTableOffset: clusterSize,
            refcountTableClusters: 1, snapshotCount: 0, snapshotsOffset: 0, incompatibleFeatures: 0, compatibleFeatures: 0,
            autoclearFeatures: 0, refcountOrder: options.refcountOrder,
            headerLength: UInt32(options.version == 3 ? QCOW2Header.version3Length : QCOW2Header.version2Length),
            compressionType: 0, backingFile: options.backingFile, extensions: HeaderExtensions())
        var extensions: [UInt8] = []
        if let backingFormat, options.backingFile != nil {
            extensions += encodeExtension(HeaderExtensions.backingFormatType, Array(backingFormat.rawValue.utf8))
        }
        if options.version == 3 { extensions += encodeExtension(HeaderExtensions.featureTableType, featureTable()) }
        extensions += [UInt8](repeating: 0, count: 8)
        let name = Array((options.backingFile ?? "").utf8)
        guard name.count <= Int(QCOW2Header.maximumBackingNameBytes) else { throw bad("backing file", "the name is longer than 1023 bytes") }
        if !name.isEmpty {
            header.backingFileOffset = UInt64(Int(header.headerLength) + extensions.count)
            header.backingFileSize = UInt32(name.count)
        }
        var first = header.encoded() + extensions + name
        guard UInt64(first.count) <= clusterSize else { throw bad("cluster size", "the header, extensions and backing name do not fit one \(clusterSize)-byte cluster") }
        first += [UInt8](repeating: 0, count: Int(clusterSize) - first.count)

        var image = first
        var table = [UInt8](repeating: 0, count: Int(clusterSize))
        table.put64(2 * clusterSize, at: 0)
        var block = [UInt8](repeating: 0, count: Int(clusterSize))
        for cluster in 0..<metadataClusters { RefcountTable.set(&block, index: cluster, order: options.refcountOrder, value: 1) }
        image += table + block + [UInt8](repeating: 0, count: Int(l1Clusters * clusterSize))

        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw QCOW2Error(.io, path: path, "cannot create: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let written = image.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, 0) }
        guard written == image.count, fdatasync(fd) == 0 else {
            throw QCOW2Error(.io, path: path, "writing the new image failed: \(String(cString: strerror(errno)))")
        }
    }

    private static func encodeExtension(_ type: UInt32, _ data: [UInt8]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 8)
        bytes.put32(type, at: 0)
        bytes.put32(UInt32(data.count), at: 4)
        return bytes + data + [UInt8](repeating: 0, count: (8 - data.count % 8) % 8)
    }

    /// The names QEMU records for the feature bits it knows.
    private static func featureTable() -> [UInt8] {
        let names: [(UInt8, UInt8, String)] = [
            (0, 0, "dirty bit"), (0, 1, "corrupt bit"), (0, 2, "external data file"), (0, 3, "compression type"),
            (0, 4, "extended L2 entries"), (1, 0, "lazy refcounts"), (2, 0, "bitmaps"), (2, 1, "raw external data"),
        ]
        var bytes: [UInt8] = []
        for (kind, bit, name) in names {
            var entry = [UInt8](repeating: 0, count: 48)
            entry[0] = kind
            entry[1] = bit
            for (index, byte) in name.utf8.enumerated() { entry[2 + index] = byte }
            bytes += entry
        }
        return bytes
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[...slash])
    }
}
