/// Where a streamed section's payload goes: bytes are buffered (1 MiB) and written in order to the
/// file, with the CRC-32 computed on the way. More bytes than the section declared are refused.
public struct SectionStream {
    private let fd: Int32
    private let file: String
    private let temporary: String
    public let tag: SectionTag
    private let start: UInt64
    public let length: UInt64
    /// Bytes accepted so far (buffered or written).
    public private(set) var written: UInt64 = 0
    private var crc = CRC32()
    private var buffer: [UInt8] = []
    private static let bufferSize = 1 << 20

    /// `checksummed`: bytes before the payload that its CRC covers (the section's tag, version, length).
    init(fd: Int32, file: String, temporary: String, tag: SectionTag, start: UInt64, length: UInt64, checksummed: [UInt8]) {
        self.fd = fd
        self.file = file
        self.temporary = temporary
        self.tag = tag
        self.start = start
        self.length = length
        crc.update(checksummed)
    }

    /// Bytes the section still expects.
    public var remaining: UInt64 { length - written }

    var checksum: UInt32 { crc.value }

    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws(SnapshotError) {
        if try makeRoom(for: bytes.count) {
            try FileIO.write(fd, bytes, at: start + written, name: temporary, file: file)
        } else {
            buffer.append(contentsOf: bytes)
        }
        crc.update(bytes)
        written += UInt64(bytes.count)
    }

    public mutating func write(_ bytes: [UInt8]) throws(SnapshotError) {
        if try makeRoom(for: bytes.count) {
            try FileIO.write(fd, bytes, at: start + written, name: temporary, file: file)
        } else {
            buffer.append(contentsOf: bytes)
        }
        crc.update(bytes)
        written += UInt64(bytes.count)
    }

    /// Checks `count` more bytes fit the declared length and flushes the buffer when they would not fit
    /// in it; true when they are big enough to be written directly rather than buffered.
    private mutating func makeRoom(for count: Int) throws(SnapshotError) -> Bool {
        guard UInt64(count) <= remaining else {
            throw .writer(file: file, section: tag, problem: "writes more than the declared \(length) bytes")
        }
        if buffer.count + count > Self.bufferSize { try flush() }
        if count >= Self.bufferSize { return true }
        if buffer.capacity < Self.bufferSize { buffer.reserveCapacity(Self.bufferSize) }
        return false
    }

    public mutating func u64(_ value: UInt64) throws(SnapshotError) {
        try write((0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) })
    }

    /// Writes what is buffered; the writer calls it when the section ends.
    mutating func flush() throws(SnapshotError) {
        guard !buffer.isEmpty else { return }
        let at = start + written - UInt64(buffer.count)
        try FileIO.write(fd, buffer, at: at, name: temporary, file: file)
        buffer.removeAll(keepingCapacity: true)
    }
}
