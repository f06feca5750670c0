#if canImport(Glibc)
import Glibc
#endif

/// Reads a whole file through a close-on-exec descriptor. Foundation's readers open without O_CLOEXEC,
/// and drivers read their files back while other jobs may be starting VMMs.
enum CloseOnExecFile {
    /// The file's bytes; nil when it cannot be read or holds more than `limit` bytes.
    static func contents(atPath path: String, limit: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { return bytes }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            guard bytes.count + count <= limit else { return nil }
            bytes += chunk[0..<count]
        }
    }
}

extension CloseOnExecFile {
    /// The file's first `limit` bytes and how many more it holds (a console file a flooding guest grew);
    /// nil when it cannot be opened.
    static func prefix(atPath path: String, limit: Int) -> (bytes: [UInt8], dropped: UInt64)? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while bytes.count < limit {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, min($0.count, limit - bytes.count)) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            bytes += chunk[0..<count]
        }
        var info = stat()
        let size = fstat(fd, &info) == 0 ? UInt64(max(0, info.st_size)) : UInt64(bytes.count)
        return (bytes, size > UInt64(bytes.count) ? size - UInt64(bytes.count) : 0)
    }
}
