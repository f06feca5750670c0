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
        // Read straight into the array's storage: zero-filling it first would write every byte twice.
        var failure: Int32?
        let bytes = [UInt8](unsafeUninitializedCapacity: Int(size)) { buffer, initialized in
            while initialized < buffer.count {
                let count = Glibc.read(fd, buffer.baseAddress! + initialized, buffer.count - initialized)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { failure = count < 0 ? errno : EIO; return }
                initialized += count
            }
        }
        if let failure { throw .fileUnreadable(path: path, what: what, errno: failure) }
        return bytes
    }
}
