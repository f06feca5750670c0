#if canImport(Glibc)
import Glibc
#endif

/// A raw disk image: the file's bytes are the disk's bytes. Positional I/O (pread/pwrite) on one
/// close-on-exec descriptor, so concurrent calls never share a file position and a child process
/// (a `tck` driver, say) never inherits the image.
///
/// `flush()` is fdatasync(2): the data and the metadata needed to read it back, not timestamps. The size is
/// taken once at open (st_size for a file, the end offset for a block device); the disk never grows.
public final class RawImage: BlockBackend {
    public let path: String
    public let size: UInt64
    public let isReadOnly: Bool
    private let descriptor: Int32

    /// Opens `path` for reading and writing, or only reading when `readOnly` is true (then every write is
    /// refused with `BlockBackendError.readOnly` and the file is never opened for writing).
    public init(path: String, readOnly: Bool = false) throws(BlockBackendError) {
        let flags = (readOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC
        let fd = open(path, flags)
        guard fd >= 0 else { throw .openFailed(path: path, errno: errno) }
        do {
            size = try Self.measure(fd, path: path)
        } catch {
            close(fd)
            throw error
        }
        self.path = path
        self.isReadOnly = readOnly
        self.descriptor = fd
    }

    deinit { close(descriptor) }

    public func read(at offset: UInt64, into buffer: inout [UInt8]) throws(BlockBackendError) {
        try checkRange(offset: offset, length: buffer.count)
        try checkFileOffset(offset, length: buffer.count)
        let fd = descriptor
        let result = buffer.withUnsafeMutableBytes { PositionalIO.read(fd, into: $0, at: offset) }
        switch result {
        case let .failure(failure):
            throw .ioFailed(path: path, operation: "read", offset: failure.offset, errno: failure.errno)
        case let .success(got) where got < buffer.count:
            throw .shortRead(path: path, offset: offset, expected: UInt64(buffer.count), got: UInt64(got))
        case .success:
            return
        }
    }

    public func write(_ bytes: ArraySlice<UInt8>, at offset: UInt64) throws(BlockBackendError) {
        guard !isReadOnly else { throw .readOnly(path: path) }
        try checkRange(offset: offset, length: bytes.count)
        try checkFileOffset(offset, length: bytes.count)
        let fd = descriptor
        if case let .failure(failure) = bytes.withUnsafeBytes({ PositionalIO.write(fd, from: $0, at: offset) }) {
            throw .ioFailed(path: path, operation: "write", offset: failure.offset, errno: failure.errno)
        }
    }

    public func flush() throws(BlockBackendError) {
        // Nothing can be dirty through a read-only descriptor.
        guard !isReadOnly else { return }
        while fdatasync(descriptor) != 0 {
            if errno == EINTR { continue }
            throw .ioFailed(path: path, operation: "fdatasync", offset: 0, errno: errno)
        }
    }

    /// off_t is signed: a range that the disk size allows must still fit below 2^63.
    private func checkFileOffset(_ offset: UInt64, length: Int) throws(BlockBackendError) {
        guard offset <= UInt64(Int64.max) - UInt64(length) else {
            throw .overflow(offset: offset, length: UInt64(length))
        }
    }

    private static func measure(_ fd: Int32, path: String) throws(BlockBackendError) -> UInt64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .ioFailed(path: path, operation: "fstat", offset: 0, errno: errno) }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            return UInt64(info.st_size)
        case S_IFBLK:
            let end = lseek(fd, 0, SEEK_END)
            guard end >= 0 else { throw .ioFailed(path: path, operation: "lseek", offset: 0, errno: errno) }
            return UInt64(end)
        case S_IFDIR: throw .notAnImage(path: path, kind: "directory")
        case S_IFCHR: throw .notAnImage(path: path, kind: "character device")
        case S_IFIFO: throw .notAnImage(path: path, kind: "pipe")
        case S_IFSOCK: throw .notAnImage(path: path, kind: "socket")
        default: throw .notAnImage(path: path, kind: "special file")
        }
    }
}
