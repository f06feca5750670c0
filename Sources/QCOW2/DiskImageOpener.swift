#if canImport(Glibc)
import Glibc
#endif
import BlockBackends

/// The image formats swiftvm reads.
public enum ImageFormat: String, Sendable, CaseIterable {
    case raw
    case qcow2
}

/// Opens a disk image as a `BlockBackend`, by the format given or by probing the first bytes.
///
/// Probing follows QEMU: a file starting with the qcow2 magic is qcow2, anything else raw. An explicit
/// format always wins (`format=raw` on a file that starts with the magic gives the guest those bytes).
/// A *probed* raw image refuses writes that would put the qcow2 magic at its start: otherwise a guest
/// could turn its disk into a qcow2 header naming any host file as backing file, read on the next probe
/// (QEMU restricts writes to block 0 of probed raw images for the same reason).
public enum DiskImageOpener {
    /// The format the first bytes of `path` say; raw unless they hold the qcow2 magic.
    public static func probe(path: String) throws(BlockBackendError) -> ImageFormat {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .openFailed(path: path, errno: errno) }
        defer { close(fd) }
        var magic = [UInt8](repeating: 0, count: 4)
        let got = magic.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, 4, 0) }
        guard got >= 0 else { throw .ioFailed(path: path, operation: "read", offset: 0, errno: errno) }
        return got == 4 && magic.be32(0) == QCOW2Header.magic ? .qcow2 : .raw
    }

    /// Opens `path` as `format`, or as the probed format when nil.
    public static func open(path: String, format: ImageFormat? = nil, readOnly: Bool = false) throws(BlockBackendError) -> any BlockBackend {
        var chosen = ImageFormat.raw
        if let format { chosen = format } else { chosen = try probe(path: path) }
        switch chosen {
        case .raw:
            let raw = try RawImage(path: path, readOnly: readOnly)
            return format == nil ? ProbedRawImage(raw) : raw
        case .qcow2:
            do { return try QCOW2Image(path: path, readOnly: readOnly) } catch { throw .imageFormat(detail: error.description) }
        }
    }

    /// A backing file: always read-only, in the chain's loop and depth check.
    static func openBacking(path: String, format: ImageFormat?, chain: inout BackingChain,
                            from overlay: String) throws(QCOW2Error) -> (backend: any BlockBackend, format: ImageFormat) {
        var chosen = ImageFormat.raw
        if let format { chosen = format } else {
            do { chosen = try probe(path: path) } catch {
                throw QCOW2Error(.backing, path: overlay, field: "backing file", "\(error)")
            }
        }
        switch chosen {
        case .raw:
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw QCOW2Error(.backing, path: overlay, field: "backing file", "cannot open \(path): \(String(cString: strerror(errno)))")
            }
            try chain.enter(FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)), path: path)
            do { return (try RawImage(path: path, readOnly: true), .raw) } catch {
                throw QCOW2Error(.backing, path: overlay, field: "backing file", "\(error)")
            }
        case .qcow2:
            return (try QCOW2Image(path: path, readOnly: true, chain: &chain), .qcow2)
        }
    }
}

/// A raw image whose format was probed, not given: writes that would make it start with the qcow2 magic
/// are refused (see `DiskImageOpener`).
public final class ProbedRawImage: BlockBackend {
    public let image: RawImage
    public init(_ image: RawImage) { self.image = image }

    public var size: UInt64 { image.size }
    public var isReadOnly: Bool { image.isReadOnly }

    public func read(at offset: UInt64, into buffer: inout [UInt8]) throws(BlockBackendError) {
        try image.read(at: offset, into: &buffer)
    }

    public func write(_ bytes: ArraySlice<UInt8>, at offset: UInt64) throws(BlockBackendError) {
        if offset < 4, size >= 4, !bytes.isEmpty {
            var start = try image.read(at: 0, count: 4)
            for (index, byte) in bytes.prefix(Int(4 - offset)).enumerated() { start[Int(offset) + index] = byte }
            if start.be32(0) == QCOW2Header.magic {
                throw .imageFormat(detail: "disk image \(image.path): refusing a write that would start the probed raw image "
                                   + "with the qcow2 magic; give the format (--disk \(image.path),format=raw) to allow it")
            }
        }
        try image.write(bytes, at: offset)
    }

    public func flush() throws(BlockBackendError) { try image.flush() }
}
