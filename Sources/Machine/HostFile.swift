#if canImport(Glibc)
import Glibc
#endif

/// Reads a whole host file (a kernel or an initrd) with a size limit checked before anything is read.
enum HostFile {
    static func read(_ path: String, what: String, limit: UInt64) throws(MachineError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .fileUnreadable(path: path, what: what, errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .fileUnreadable(path: path, what: what, errno: errno) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .fileUnreadable(path: path, what: what, errno: EINVAL) }
        let size = UInt64(info.st_size)
        guard size <= limit else { throw .fileTooLarge(path: path, what: what, size: size, limit: limit) }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, $0.count - done) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw .fileUnreadable(path: path, what: what, errno: count < 0 ? errno : EIO) }
            done += count
        }
        return bytes
    }
}
