#if canImport(Glibc)
import Glibc
#endif

/// A section's payload, wherever it is: an array, or a range of an open file read with pread (a memory
/// section can be GiBs; it is never loaded whole).
struct SectionSource {
    enum Storage {
        case bytes([UInt8])
        case file(ReadHandle, offset: UInt64)
    }

    let storage: Storage
    let length: UInt64
    let file: String
    let part: String

    init(bytes: [UInt8], file: String, tag: SectionTag) {
        storage = .bytes(bytes)
        length = UInt64(bytes.count)
        self.file = file
        part = "section \(tag.quoted)"
    }

    init(handle: ReadHandle, offset: UInt64, length: UInt64, tag: SectionTag) {
        storage = .file(handle, offset: offset)
        self.length = length
        file = handle.path
        part = "section \(tag.quoted)"
    }

    /// Fills `buffer` from `offset` of the payload; the caller keeps inside `length`.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(SnapshotError) {
        switch storage {
        case let .bytes(bytes):
            bytes.withUnsafeBytes { source in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[Int(offset)..<(Int(offset) + buffer.count)]))
            }
        case let .file(handle, start):
            try FileIO.read(handle.fd, into: buffer, at: start + offset, file: file, part: part)
        }
    }

    func read(count: Int, at offset: UInt64) throws(SnapshotError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes { buffer in Result { () throws(SnapshotError) in try read(into: buffer, at: offset) } }.get()
        return bytes
    }

    func u64(at offset: UInt64) throws(SnapshotError) -> UInt64 {
        try read(count: 8, at: offset).enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * $1.offset) }
    }

    /// Hands [offset, offset+count) to `visit` in pieces of at most `chunk` bytes, in order.
    func chunks(from offset: UInt64, count: UInt64, chunk: Int = 1 << 20,
                _ visit: (_ done: UInt64, UnsafeRawBufferPointer) throws -> Void) throws -> Void {
        if case let .bytes(bytes) = storage {
            try bytes.withUnsafeBytes { source in
                var done: UInt64 = 0
                while done < count {
                    let piece = Int(min(count - done, UInt64(chunk)))
                    let start = Int(offset + done)
                    try visit(done, UnsafeRawBufferPointer(rebasing: source[start..<(start + piece)]))
                    done += UInt64(piece)
                }
            }
            return
        }
        var buffer = [UInt8](repeating: 0, count: Int(min(count, UInt64(chunk))))
        var done: UInt64 = 0
        while done < count {
            let piece = Int(min(count - done, UInt64(chunk)))
            try buffer.withUnsafeMutableBytes { raw in
                let slice = UnsafeMutableRawBufferPointer(rebasing: raw[0..<piece])
                try read(into: slice, at: offset + done)
                try visit(done, UnsafeRawBufferPointer(slice))
            }
            done += UInt64(piece)
        }
    }

    /// The CRC-32 of `prefix` (the section's tag, version and length fields) followed by the whole payload.
    func checksum(after prefix: [UInt8]) throws(SnapshotError) -> UInt32 {
        var crc = CRC32()
        crc.update(prefix)
        do { try chunks(from: 0, count: length) { _, bytes in crc.update(bytes) } } catch let error as SnapshotError { throw error } catch {
            throw .truncated(file: file, part: part)
        }
        return crc.value
    }
}

/// An open snapshot file, shared by the SnapshotFile values and readers made from it; closed with the last.
final class ReadHandle: @unchecked Sendable {
    let fd: Int32
    let path: String

    init(path: String) throws(SnapshotError) {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(file: path, operation: "open", errno: errno) }
    }

    deinit { close(fd) }

    func size() throws(SnapshotError) -> UInt64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(file: path, operation: "fstat", errno: errno) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw .io(file: path, operation: "open (not a regular file)", errno: EINVAL)
        }
        return UInt64(info.st_size)
    }
}
