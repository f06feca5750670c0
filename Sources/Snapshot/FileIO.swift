import BlockBackends


/// BlockBackends' pread/pwrite loops, with a failure turned into a SnapshotError naming the operation.
enum FileIO {
    /// Writes all of `bytes` at `offset` of `fd`; `name` is the path in the error.
    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: UInt64, name: String, file: String) throws(SnapshotError) {
        if case let .failure(failure) = PositionalIO.write(fd, from: bytes, at: offset) {
            throw .io(file: file, operation: "write \(name) at offset \(failure.offset)", errno: failure.errno)
        }
    }

    static func write(_ fd: Int32, _ bytes: [UInt8], at offset: UInt64, name: String, file: String) throws(SnapshotError) {
        try bytes.withUnsafeBytes { buffer in
            Result { () throws(SnapshotError) in try write(fd, buffer, at: offset, name: name, file: file) }
        }.get()
    }

    /// Fills `buffer` from `offset`; a file that ends first is `truncated` in `part`.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, file: String, part: String) throws(SnapshotError) {
        switch PositionalIO.read(fd, into: buffer, at: offset) {
        case let .failure(failure): throw .io(file: file, operation: "read at offset \(failure.offset)", errno: failure.errno)
        case let .success(count) where count < buffer.count: throw .truncated(file: file, part: part)
        case .success: return
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
