#if canImport(Glibc)
import Glibc
#endif
import BlockBackends
import Synchronization

/// A qcow2 image (version 2 or 3) as a `BlockBackend`: reads fall through to zeros, compressed clusters or
/// the backing chain; writes allocate, copy on write what a snapshot or the backing file shares, and
/// order their metadata updates so a crash never corrupts the image (`QCOW2Engine` says how).
///
/// Every call runs under one mutex: requests are serialized, as the L2 and refcount caches are shared.
public final class QCOW2Image: BlockBackend {
    public let path: String
    public let size: UInt64
    public let isReadOnly: Bool
    public let header: QCOW2Header
    public let snapshots: [QCOW2Snapshot]
    /// The backing file as opened (resolved against this image's directory), and its format.
    public let backingPath: String?
    public let backingFormat: ImageFormat?
    private let engine: Mutex<QCOW2Engine>

    /// Opens `path`; with `readOnly` the file is never opened for writing. The backing chain is opened
    /// read-only, at most `BackingChain.maximumDepth` files deep.
    public convenience init(path: String, readOnly: Bool = false) throws(QCOW2Error) {
        var chain = BackingChain()
        try self.init(path: path, readOnly: readOnly, chain: &chain)
    }

    init(path: String, readOnly: Bool, chain: inout BackingChain) throws(QCOW2Error) {
        let file = try ImageFile(path: path, readOnly: readOnly)
        try chain.enter(try file.identity(), path: path)
        let fileSize = try file.size()
        let start = try file.read(at: 0, count: Int(min(fileSize, UInt64(QCOW2Header.version3Length))), what: "header")
        let clusterBits = start.count >= 24 ? start.be32(20) : 16
        let headerArea = QCOW2Header.clusterBitsRange.contains(clusterBits) ? min(fileSize, UInt64(1) << UInt64(clusterBits)) : UInt64(start.count)
        let header = try QCOW2Header.parse(try file.read(at: 0, count: Int(headerArea), what: "header cluster"),
                                           fileSize: fileSize, path: path)
        try Self.checkFeatures(header, readOnly: readOnly, path: path)
        let snapshots = try SnapshotTable.parse(file: file, header: header, fileSize: fileSize)
        var backing: (any BlockBackend)?
        var backingPath: String?
        var backingFormat: ImageFormat?
        if let name = header.backingFile {
            let resolved = name.hasPrefix("/") ? name : Self.directory(of: path) + name
            let format: ImageFormat?
            if let declared = header.extensions.backingFormat {
                guard let known = ImageFormat(rawValue: declared) else {
                    throw QCOW2Error(.unsupported, path: path, field: "backing format extension", "backing format '\(declared)' (raw and qcow2 are supported)")
                }
                format = known
            } else {
                format = nil
            }
            let opened = try DiskImageOpener.openBacking(path: resolved, format: format, chain: &chain, from: path)
            backing = opened.backend
            backingPath = resolved
            backingFormat = opened.format
        }
        let engine = try QCOW2Engine(file: file, header: header, snapshots: snapshots, backing: backing)
        if !readOnly { try engine.clearAutoclearBits() }
        self.path = path
        self.size = header.size
        self.isReadOnly = readOnly
        self.header = header
        self.snapshots = snapshots
        self.backingPath = backingPath
        self.backingFormat = backingFormat
        self.engine = Mutex(engine)
    }

    /// Incompatible features refuse the image by name unless this implementation handles them; `dirty`
    /// (lazy refcounts left inconsistent) and `corrupt` allow read-only use only, as refcounts cannot be
    /// trusted for allocation.
    static func checkFeatures(_ header: QCOW2Header, readOnly: Bool, path: String) throws(QCOW2Error) {
        let features = header.incompatibleFeatures
        for bit in 0..<64 where features & (1 << UInt64(bit)) != 0 {
            let mask = UInt64(1) << UInt64(bit)
            let name = header.extensions.incompatibleName(bit: bit)
            switch mask {
            case FeatureBits.dirty, FeatureBits.corrupt:
                guard readOnly else {
                    throw QCOW2Error(.readOnly, path: path, field: "incompatible_features",
                                     "the image is marked \(name); open it read-only or repair it first (qemu-img check -r all)")
                }
            case FeatureBits.compressionType:
                guard header.compressionType == 0 else {
                    throw QCOW2Error(.unsupported, path: path, field: "compression_type",
                                     "compression type \(header.compressionType) (zstd); only zlib (0) is supported")
                }
            default:
                throw QCOW2Error(.unsupported, path: path, field: "incompatible_features", "unknown or unsupported incompatible feature \(name)")
            }
        }
        if header.compressionType != 0, features & FeatureBits.compressionType == 0 {
            throw QCOW2Error(.header, path: path, field: "compression_type", "\(header.compressionType) without the compression type feature bit")
        }
    }

    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[...slash])
    }

    public func read(at offset: UInt64, into buffer: inout [UInt8]) throws(BlockBackendError) {
        try checkRange(offset: offset, length: buffer.count)
        let result: Result<Void, QCOW2Error> = engine.withLock { engine in
            Result { () throws(QCOW2Error) in try engine.read(at: offset, into: &buffer) }
        }
        do { try result.get() } catch { throw .imageFormat(detail: error.description) }
    }

    public func write(_ bytes: ArraySlice<UInt8>, at offset: UInt64) throws(BlockBackendError) {
        guard !isReadOnly else { throw .readOnly(path: path) }
        try checkRange(offset: offset, length: bytes.count)
        let result: Result<Void, QCOW2Error> = engine.withLock { engine in
            Result { () throws(QCOW2Error) in try engine.write(bytes, at: offset) }
        }
        do { try result.get() } catch { throw .imageFormat(detail: error.description) }
    }

    /// fdatasync: metadata is written through as it changes, so syncing the file makes every completed
    /// write durable (the backing chain is read-only and never dirty).
    public func flush() throws(BlockBackendError) {
        guard !isReadOnly else { return }
        let result: Result<Void, QCOW2Error> = engine.withLock { engine in
            Result { () throws(QCOW2Error) in try engine.file.sync() }
        }
        do { try result.get() } catch { throw .imageFormat(detail: error.description) }
    }

    /// Stores guest cluster `cluster` (whole, `clusterSize` bytes) deflated; the cluster must be empty.
    public func writeCompressed(cluster: UInt64, _ data: [UInt8]) throws(QCOW2Error) {
        guard !isReadOnly else { throw QCOW2Error(.readOnly, path: path, "the image is open read-only") }
        try engine.withLock { engine throws(QCOW2Error) in try engine.writeCompressed(cluster: cluster, data) }
    }

    /// Walks every table and compares the references with the refcounts (`QCOW2Check`).
    public func check() throws(QCOW2Error) -> QCOW2CheckReport {
        try engine.withLock { engine throws(QCOW2Error) in
            var check = QCOW2Check(engine: engine)
            return try check.run()
        }
    }
}

/// The files of one backing chain, to bound its depth and refuse loops (by device and inode, so a
/// symlink or a second name for the same file is caught).
struct BackingChain {
    /// Overlay plus backing files; QEMU has no fixed bound, this one keeps a hostile chain short.
    static let maximumDepth = 16
    private(set) var files: [(FileIdentity, String)] = []

    mutating func enter(_ identity: FileIdentity, path: String) throws(QCOW2Error) {
        if let earlier = files.first(where: { $0.0 == identity }) {
            throw QCOW2Error(.backing, path: path, field: "backing_file_offset",
                             "the backing chain loops: \(path) is \(earlier.1), already in the chain")
        }
        guard files.count < Self.maximumDepth else {
            throw QCOW2Error(.backing, path: path, field: "backing_file_offset",
                             "the backing chain is deeper than \(Self.maximumDepth) files")
        }
        files.append((identity, path))
    }
}
