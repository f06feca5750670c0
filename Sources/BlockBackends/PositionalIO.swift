#if canImport(Glibc)
import Glibc
#endif

/// pread/pwrite until the buffer is done, retrying EINTR: the loops every file-backed disk format needs,
/// on a descriptor shared by threads (no file position).
public enum PositionalIO {
    /// A failed call: its errno and the file offset it was at.
    public struct Failure: Error, Equatable, Sendable {
        public let errno: Int32
        public let offset: UInt64
    }

    /// Reads into `bytes` until it is full or the file ends; returns how many bytes were read.
    public static func read(_ fd: Int32, into bytes: UnsafeMutableRawBufferPointer, at offset: UInt64) -> Result<Int, Failure> {
        var done = 0
        while done < bytes.count {
            let position = offset + UInt64(done)
            let count = pread(fd, bytes.baseAddress! + done, bytes.count - done, off_t(position))
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(Failure(errno: errno, offset: position))
            }
            if count == 0 { break }
            done += count
        }
        return .success(done)
    }

    /// Writes all of `bytes`. A write that takes 0 bytes fails with EIO rather than spinning (a regular
    /// file or block device inside its size never does that).
    public static func write(_ fd: Int32, from bytes: UnsafeRawBufferPointer, at offset: UInt64) -> Result<Void, Failure> {
        var done = 0
        while done < bytes.count {
            let position = offset + UInt64(done)
            let count = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(position))
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(Failure(errno: errno, offset: position))
            }
            if count == 0 { return .failure(Failure(errno: EIO, offset: position)) }
            done += count
        }
        return .success(())
    }
}
