/// Why a block backend refused or failed an operation. Each description is a sentence saying which image,
/// which range and what to do; a device turns any of them into an I/O error status for the guest.
public enum BlockBackendError: Error, Equatable, Sendable, CustomStringConvertible {
    /// open(2) failed.
    case openFailed(path: String, errno: Int32)
    /// The path names something that cannot hold a disk (a directory, a socket, …).
    case notAnImage(path: String, kind: String)
    /// A write or write-style open on an image opened read-only.
    case readOnly(path: String)
    /// [offset, offset + length) passes the end of the disk.
    case outOfRange(offset: UInt64, length: UInt64, size: UInt64)
    /// offset + length passes 2^64, or passes what the host's file offsets (off_t) can express.
    case overflow(offset: UInt64, length: UInt64)
    /// The file ended before the bytes asked for (it shrank under us, or it is a device that lies about
    /// its size).
    case shortRead(path: String, offset: UInt64, expected: UInt64, got: UInt64)
    /// pread/pwrite/fdatasync/lseek/fstat failed with `errno`.
    case ioFailed(path: String, operation: String, offset: UInt64, errno: Int32)
    /// The image's format layer (qcow2 metadata, a backing chain) refused or failed; `detail` is its
    /// sentence, naming the image and the field at fault.
    case imageFormat(detail: String)

    public var description: String {
        switch self {
        case let .openFailed(path, errno):
            return "cannot open disk image \(path): \(Self.reason(errno)); check the path and its permissions"
        case let .notAnImage(path, kind):
            return "\(path) is a \(kind), not a disk image; pass a regular file or a block device"
        case let .readOnly(path):
            return "disk image \(path) is read-only; drop the readonly option to let the guest write"
        case let .outOfRange(offset, length, size):
            return "bytes [\(offset), \(offset &+ length)) are beyond the end of the \(size)-byte disk"
        case let .overflow(offset, length):
            return "a \(length)-byte access at offset \(offset) passes the largest file offset the host can address"
        case let .shortRead(path, offset, expected, got):
            return "disk image \(path) ended early: read \(got) of \(expected) bytes at offset \(offset); was the file truncated?"
        case let .ioFailed(path, operation, offset, errno):
            return "\(operation) on disk image \(path) at offset \(offset) failed: \(Self.reason(errno)); check the host's disk and logs"
        case let .imageFormat(detail):
            return detail
        }
    }

    static func reason(_ errno: Int32) -> String {
        Errno.name(errno)
    }
}
