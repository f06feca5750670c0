#if canImport(Glibc)
import Glibc
#endif
import BlockBackends

/// One image file on one close-on-exec descriptor, with positional I/O only (no shared file position).
/// Every read is exact or an error, except `readZeroFilled`, which reads past the end of the file as
/// zeros (as QEMU's file layer does for data clusters the file does not reach yet).
final class ImageFile {
    let path: String
    let readOnly: Bool
    private let descriptor: Int32

    init(path: String, readOnly: Bool) throws(QCOW2Error) {
        let fd = open(path, (readOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC)
        guard fd >= 0 else {
            throw QCOW2Error(.io, path: path, "cannot open: \(String(cString: strerror(errno))) (errno \(errno))")
        }
        self.path = path
        self.readOnly = readOnly
        self.descriptor = fd
        var info = stat()
        guard fstat(fd, &info) == 0 else { close(fd); throw failure("fstat", 0) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw QCOW2Error(.io, path: path, "not a regular file; a qcow2 image must be one")
        }
    }

    deinit { close(descriptor) }

    /// The file's identity, for refusing backing-chain loops.
    func identity() throws(QCOW2Error) -> FileIdentity {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw failure("fstat", 0) }
        return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    func size() throws(QCOW2Error) -> UInt64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw failure("fstat", 0) }
        return UInt64(info.st_size)
    }

    /// Exactly `count` bytes at `offset`, or an error naming `what` when the file ends first.
    func read(at offset: UInt64, count: Int, what: String) throws(QCOW2Error) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let got = try readPartial(at: offset, into: &buffer[...])
        guard got == count else {
            throw QCOW2Error(.corrupt, path: path, field: what,
                             "\(count) bytes at \(hex(offset)) are past the end of the file (only \(got) there)")
        }
        return buffer
    }

    /// Fills `buffer` from `offset`; what lies past the end of the file reads as zeros.
    func readZeroFilled(at offset: UInt64, into buffer: inout ArraySlice<UInt8>) throws(QCOW2Error) {
        let got = try readPartial(at: offset, into: &buffer)
        if got < buffer.count {
            for index in (buffer.startIndex + got)..<buffer.endIndex { buffer[index] = 0 }
        }
    }

    /// Reads until `buffer` is full or the file ends; returns the bytes read.
    private func readPartial(at offset: UInt64, into buffer: inout ArraySlice<UInt8>) throws(QCOW2Error) -> Int {
        try checkOffset(offset, buffer.count)
        let fd = descriptor
        switch buffer.withUnsafeMutableBytes({ PositionalIO.read(fd, into: $0, at: offset) }) {
        case let .success(got): return got
        case let .failure(failure): throw self.failure("read", failure)
        }
    }

    func write<Bytes: Collection<UInt8>>(_ bytes: Bytes, at offset: UInt64) throws(QCOW2Error) {
        guard !readOnly else { throw QCOW2Error(.readOnly, path: path, "the image is open read-only") }
        try checkOffset(offset, bytes.count)
        let fd = descriptor
        let result = bytes.withContiguousStorageIfAvailable { PositionalIO.write(fd, from: UnsafeRawBufferPointer($0), at: offset) }
        switch result {
        case .success?: return
        case let .failure(failure)?: throw self.failure("write", failure)
        case nil: try write(Array(bytes), at: offset)
        }
    }

    /// fdatasync(2): everything written so far is durable before anything written after.
    func sync() throws(QCOW2Error) {
        guard !readOnly else { return }
        while fdatasync(descriptor) != 0 {
            if errno == EINTR { continue }
            throw failure("fdatasync", 0)
        }
    }

    private func checkOffset(_ offset: UInt64, _ count: Int) throws(QCOW2Error) {
        guard offset <= UInt64(Int64.max) - UInt64(count) else {
            throw QCOW2Error(.limit, path: path, "a \(count)-byte access at \(hex(offset)) passes the largest file offset")
        }
    }

    private func failure(_ operation: String, _ failed: PositionalIO.Failure) -> QCOW2Error {
        QCOW2Error(.io, path: path, "\(operation) at \(hex(failed.offset)) failed: \(String(cString: strerror(failed.errno))) (errno \(failed.errno))")
    }

    private func failure(_ operation: String, _ offset: UInt64) -> QCOW2Error {
        QCOW2Error(.io, path: path, "\(operation) at \(hex(offset)) failed: \(String(cString: strerror(errno))) (errno \(errno))")
    }
}

/// st_dev and st_ino: the same file reached by two names is one identity.
struct FileIdentity: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64
}
