// fuzz-qcow2: the input is a qcow2 image file. It is written to a scratch file and opened read-write
// (and read-only when that is refused); then three pieces are read (the first cluster, the last, one
// picked by the input's last bytes), the image is checked, 1 KiB is written, flushed, and everything is
// read again, also after reopening.
//
// Invariants: a refused image gives a QCOW2Error naming the file; every failed access is a BlockBackendError
// (never a trap); reads return exactly what was asked; a successful write reads back (also after a
// reopen) and changes no guest bytes outside its range; an image the check found consistent before the
// write is still consistent after it (no leaks, no corruption: the ordered metadata updates at work).
import BlockBackends
import FuzzSupport
import QCOW2

#if canImport(Glibc)
import Glibc
#endif

// tmpfs when there is one: fdatasync is then free, and the target runs several times faster.
private let path = (access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp") + "/fuzz-qcow2-\(getpid()).qcow2"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    writeScratch(bytes)
    let image: QCOW2Image
    do {
        image = try QCOW2Image(path: path)
    } catch {
        require(error.path == path && !error.description.isEmpty, "a refusal without the file or a message")
        if let readOnly = try? QCOW2Image(path: path, readOnly: true) { _ = pieces(readOnly, bytes).map { read(readOnly, $0) } }
        return 0
    }
    require(image.size == image.header.size, "size disagrees with the header")
    let ranges = pieces(image, bytes)
    let before = ranges.map { read(image, $0) }
    let consistent = (try? image.check())?.isClean ?? false
    guard image.size >= 1024 else { return 0 }
    var seed = bytes.suffix(8).reduce(UInt64(0x9E37)) { $0 &* 31 &+ UInt64($1) }
    let offset = (seed % (image.size - 1023)) & ~511
    seed = seed &* 6_364_136_223_846_793_005 &+ 1
    let written = (0..<1024).map { UInt8(truncatingIfNeeded: seed >> (UInt64($0) % 57)) }
    do {
        try image.write(written, at: offset)
        try image.flush()
    } catch {
        return 0
    }
    require(read(image, (offset, 1024)) == written, "a write does not read back")
    // Bytes elsewhere stay as they were, unless the image was inconsistent to begin with (two entries
    // sharing a host cluster that claims one owner are legitimately written through both).
    for (range, old) in zip(ranges, before) where consistent {
        guard let old, range.0 + UInt64(range.1) <= offset || range.0 >= offset + 1024 else { continue }
        require(read(image, range) == old, "a write at \(offset) changed guest bytes at \(range.0)")
    }
    if consistent {
        let after = try? image.check()
        require(after?.isClean == true, "a consistent image became inconsistent: \(String(describing: after))")
    }
    guard let reopened = try? QCOW2Image(path: path, readOnly: true) else {
        require(false, "the image no longer opens after a write")
        return 0
    }
    require(read(reopened, (offset, 1024)) == written, "a write is lost after reopening")
    return 0
}

/// The first and last 4 KiB (or less) and a piece picked by the input's last bytes.
private func pieces(_ image: QCOW2Image, _ bytes: [UInt8]) -> [(UInt64, Int)] {
    let size = image.size
    let length = Int(min(size, 4096))
    guard length > 0 else { return [] }
    let pick = bytes.suffix(4).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } &* image.header.clusterSize % size
    return [(0, length), (size - UInt64(length), length), (min(pick, size - UInt64(length)), length)]
}

private func read(_ image: QCOW2Image, _ range: (UInt64, Int)) -> [UInt8]? {
    do {
        let result = try image.read(at: range.0, count: range.1)
        require(result.count == range.1, "a read returned \(result.count) of \(range.1) bytes")
        return result
    } catch {
        require(!error.description.isEmpty, "an empty error")
        return nil
    }
}

private func writeScratch(_ bytes: [UInt8]) {
    let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    require(fd >= 0, "cannot create the scratch image")
    defer { close(fd) }
    let done = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    require(done == bytes.count, "cannot write the scratch image")
}
