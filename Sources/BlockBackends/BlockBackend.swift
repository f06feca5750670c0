/// A disk's contents as a flat array of bytes: what a virtual disk device reads and writes, whatever file
/// format (raw today, qcow2 later) stores them. Offsets and lengths are in bytes; sectors are the device's
/// business.
///
/// Implementations are safe to call from several threads at once (a device's I/O thread and, later, a
/// snapshot writer): each call is self-contained, with no shared file position.
///
/// Every call checks its range first: `offset + count` must not wrap and must not pass `size`. A disk does
/// not grow by being written past its end, and a read never returns fewer bytes than asked.
public protocol BlockBackend: Sendable {
    /// The disk's size in bytes, fixed at open.
    var size: UInt64 { get }
    /// True when writes are refused (the image was opened read-only).
    var isReadOnly: Bool { get }

    /// Fills all of `buffer` with the bytes at [offset, offset + buffer.count). Reusing one buffer across
    /// calls avoids an allocation per request.
    func read(at offset: UInt64, into buffer: inout [UInt8]) throws(BlockBackendError)

    /// Writes all of `bytes` at [offset, offset + bytes.count).
    func write(_ bytes: ArraySlice<UInt8>, at offset: UInt64) throws(BlockBackendError)

    /// Makes every completed write durable (survives a host crash) before returning.
    func flush() throws(BlockBackendError)
}

extension BlockBackend {
    /// The `count` bytes at `offset`, as a new array.
    public func read(at offset: UInt64, count: Int) throws(BlockBackendError) -> [UInt8] {
        guard count >= 0 else { throw .outOfRange(offset: offset, length: 0, size: size) }
        var buffer = [UInt8](repeating: 0, count: count)
        try read(at: offset, into: &buffer)
        return buffer
    }

    public func write(_ bytes: [UInt8], at offset: UInt64) throws(BlockBackendError) {
        try write(bytes[...], at: offset)
    }

    /// Checks that [offset, offset + length) lies inside the disk; every implementation starts with this.
    public func checkRange(offset: UInt64, length: Int) throws(BlockBackendError) {
        let (end, overflow) = offset.addingReportingOverflow(UInt64(length))
        guard !overflow else { throw .overflow(offset: offset, length: UInt64(length)) }
        guard end <= size else { throw .outOfRange(offset: offset, length: UInt64(length), size: size) }
    }
}
