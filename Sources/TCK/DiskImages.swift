import Foundation
import QCOW2

/// An image handed to a driver for one run: the VMM attaches it as the machine's virtio-blk disk.
public struct AttachedDisk: Equatable, Sendable {
    /// Absolute, so the recorded command line re-runs from any directory.
    public var path: String
    public var readOnly: Bool
    /// How the VMM must open it (given explicitly to both drivers for qcow2; raw stays as before).
    public var format: DiskSpec.Format

    public init(path: String, readOnly: Bool = false, format: DiskSpec.Format = .raw) {
        self.path = path
        self.readOnly = readOnly
        self.format = format
    }
}

/// Why a test's disk image (or a migrate test's snapshot file, `SnapshotFiles`) could not be made; the
/// test's outcome is `error` with this sentence.
public struct DiskImageError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    /// What could not be made: "the disk image" or "the snapshot file".
    public var what = "the disk image"

    public var description: String { "could not create \(what) \(path): \(reason)" }
}

/// Creates the images the catalog's `disk` key declares: a fresh file for every run of a test on every
/// driver (`<directory>/<driver>/<test>.img`), so a test that writes cannot affect another driver or a
/// later run. The images stay after the run: the recorded command line names them.
public enum DiskImages {
    /// `<directory>/<driver>/<test>.img` (`.qcow2` for qcow2), made absolute against the working directory.
    public static func path(directory: String, driver: String, test: String, format: DiskSpec.Format = .raw) -> String {
        RecordedCommandLine.absolute("\(directory)/\(driver)/\(test).\(format == .raw ? "img" : "qcow2")")
    }

    /// Where a `backing` disk's base image goes: beside the overlay, `<test>.base.img` (raw) or
    /// `<test>.base.qcow2` (compressed).
    public static func basePath(overlay path: String, compressed: Bool) -> String {
        let stem = path.hasSuffix(".qcow2") ? String(path.dropLast(".qcow2".count)) : path
        return stem + (compressed ? ".base.qcow2" : ".base.img")
    }

    /// Makes the image for `spec` at `path` from scratch: any earlier file there is removed first
    /// (never written through), then the file is created, sized with ftruncate (sparse) and, for
    /// `pattern`, the first 8 bytes of every sector written. Parent directories are created.
    public static func create(_ spec: DiskSpec, at path: String) throws(DiskImageError) {
        if spec.format == .qcow2 { return try createQCOW2(spec, at: path) }
        let fail = { (reason: String) in DiskImageError(path: path, reason: reason) }
        let parent = (path as NSString).deletingLastPathComponent
        try makeDirectories(parent, fail: fail)
        if unlink(path) != 0, errno != ENOENT { throw fail("cannot remove the earlier image (\(errnoText()))") }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw fail("cannot create the file (\(errnoText()))") }
        var closed = false
        defer { if !closed { close(fd) } }
        guard ftruncate(fd, off_t(spec.sizeBytes)) == 0 else { throw fail("cannot size it to \(spec.sizeBytes) bytes (\(errnoText()))") }
        if spec.content == .pattern { try writePattern(fd: fd, sizeBytes: spec.sizeBytes, fail: fail) }
        closed = true
        guard close(fd) == 0 else { throw fail("closing it failed (\(errnoText()))") }
    }

    /// Creates the image `entry` declares for a run on `driver` under `directory`; nil when the test has no disk.
    public static func prepare(_ entry: CatalogEntry, driver: String, directory: String) throws(DiskImageError) -> AttachedDisk? {
        guard let spec = entry.disk else { return nil }
        let path = path(directory: directory, driver: driver, test: entry.name, format: spec.format)
        try create(spec, at: path)
        return AttachedDisk(path: path, readOnly: spec.readOnly, format: spec.format)
    }

    /// The sector pattern written a chunk at a time: each chunk is zero but for the 8 pattern bytes at
    /// the start of each sector. Every file-system block holds such bytes, so the blocks written are the
    /// same as with one 8-byte write per sector, in far fewer system calls.
    private static func writePattern(fd: Int32, sizeBytes: UInt64, fail: (String) -> DiskImageError) throws(DiskImageError) {
        let sector = DiskSpec.sectorBytes
        let chunkBytes = min(sizeBytes, 1 << 20)
        var chunk = [UInt8](repeating: 0, count: Int(chunkBytes))
        var offset: UInt64 = 0
        while offset < sizeBytes {
            let length = Int(min(chunkBytes, sizeBytes - offset))
            for start in stride(from: 0, to: length, by: Int(sector)) {
                var value = DiskSpec.patternValue(sector: (offset + UInt64(start)) / sector).littleEndian
                withUnsafeBytes(of: &value) { bytes in
                    for index in 0..<8 { chunk[start + index] = bytes[index] }
                }
            }
            var done = 0
            while done < length {
                let written = chunk.withUnsafeBytes { buffer in
                    pwrite(fd, buffer.baseAddress! + done, length - done, off_t(offset) + off_t(done))
                }
                if written < 0, errno == EINTR { continue }
                guard written > 0 else {
                    let why = written < 0 ? errnoText() : "nothing was written"
                    throw fail("writing the sector pattern at byte \(offset + UInt64(done)) failed (\(why))")
                }
                done += written
            }
            offset += UInt64(length)
        }
    }

    /// A qcow2 disk written by swiftvm's own qcow2 writer (qemu-img is not needed to run the suite):
    /// the content written through `QCOW2Image` (deflated cluster by cluster for `compressed`), or, for
    /// `backing`, kept in a base image (raw, or compressed qcow2) under an empty qcow2 overlay.
    private static func createQCOW2(_ spec: DiskSpec, at path: String) throws(DiskImageError) {
        let fail = { (reason: String) in DiskImageError(path: path, reason: reason) }
        try makeDirectories((path as NSString).deletingLastPathComponent, fail: fail)
        if unlink(path) != 0, errno != ENOENT { throw fail("cannot remove the earlier image (\(errnoText()))") }
        if spec.backing {
            let base = basePath(overlay: path, compressed: spec.compressed)
            var baseSpec = spec
            baseSpec.backing = false
            baseSpec.readOnly = false
            baseSpec.format = spec.compressed ? .qcow2 : .raw
            try create(baseSpec, at: base)
            let options = QCOW2CreateOptions(size: spec.sizeBytes, backingFile: (base as NSString).lastPathComponent,
                                             backingFormat: spec.compressed ? .qcow2 : .raw)
            do { try QCOW2Creator.create(path: path, options: options) } catch { throw fail(error.description) }
            return
        }
        do {
            try QCOW2Creator.create(path: path, options: QCOW2CreateOptions(size: spec.sizeBytes))
            guard spec.content == .pattern else { return }
            let image = try QCOW2Image(path: path)
            let cluster = image.header.clusterSize
            var offset: UInt64 = 0
            while offset < spec.sizeBytes {
                let length = Int(min(cluster, spec.sizeBytes - offset))
                let bytes = patternBytes(from: offset, count: length)
                if spec.compressed, length == Int(cluster) {
                    try image.writeCompressed(cluster: offset / cluster, bytes)
                } else {
                    do { try image.write(bytes, at: offset) } catch { throw QCOW2Error(.io, path: path, "\(error)") }
                }
                offset += UInt64(length)
            }
            do { try image.flush() } catch { throw QCOW2Error(.io, path: path, "\(error)") }
        } catch {
            throw fail("\(error)")
        }
    }

    /// `count` bytes of the `pattern` content starting at byte `offset` (a multiple of the sector).
    static func patternBytes(from offset: UInt64, count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let sector = Int(DiskSpec.sectorBytes)
        for start in stride(from: 0, to: count, by: sector) {
            let value = DiskSpec.patternValue(sector: (offset + UInt64(start)) / DiskSpec.sectorBytes)
            for index in 0..<min(8, count - start) { bytes[start + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))) }
        }
        return bytes
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }

    /// `mkdir -p`, with the failing directory and errno's sentence in the error.
    static func makeDirectories(_ directory: String, fail: (String) -> DiskImageError) throws(DiskImageError) {
        var path = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/") {
            path += "/" + component
            if mkdir(path, 0o755) != 0, errno != EEXIST {
                throw fail("cannot create the directory \(path) (\(errnoText()))")
            }
        }
        var info = stat()
        guard stat(directory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw fail("\(directory) is not a directory")
        }
    }
}
