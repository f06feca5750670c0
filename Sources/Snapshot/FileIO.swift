#if canImport(Glibc)
import Glibc
#endif

/// pread/pwrite loops (EINTR retried) that turn a failure into a SnapshotError naming the operation.
enum FileIO {
    /// Writes all of `bytes` at `offset` of `fd`; `name` is the path in the error.
    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: UInt64, name: String, file: String) throws(SnapshotError) {
        var done = 0
        while done < bytes.count {
            let count = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + UInt64(done)))
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                throw .io(file: file, operation: "write \(name) at offset \(offset + UInt64(done))", errno: count < 0 ? errno : EIO)
            }
            done += count
        }
    }

    static func write(_ fd: Int32, _ bytes: [UInt8], at offset: UInt64, name: String, file: String) throws(SnapshotError) {
        try bytes.withUnsafeBytes { buffer in
            Result { () throws(SnapshotError) in try write(fd, buffer, at: offset, name: name, file: file) }
        }.get()
    }

    /// Fills `buffer` from `offset`; a file that ends first is `truncated` in `part`.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, file: String, part: String) throws(SnapshotError) {
        var done = 0
        while done < buffer.count {
            let count = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + UInt64(done)))
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw .io(file: file, operation: "read at offset \(offset + UInt64(done))", errno: errno) }
            if count == 0 { throw .truncated(file: file, part: part) }
            done += count
        }
    }

    static func read(_ fd: Int32, count: Int, at offset: UInt64, file: String, part: String) throws(SnapshotError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes { buffer in
            Result { () throws(SnapshotError) in try read(fd, into: buffer, at: offset, file: file, part: part) }
        }.get()
        return bytes
    }
}
