/// The 32-byte `testdev_desc` a guest hands to the test data channel (docs/guest-interface.md,
/// "Test data channel"). Little-endian:
///
///     u32 magic; u16 version; u16 stream; u32 length; u32 status; u64 buffer; u64 reserved;
public struct TestDataDescriptor: Equatable, Sendable {
    public static let size = 32
    public static let magic: UInt32 = 0x4344_5653       // "SVDC"
    public static let version: UInt16 = 1
    public static let statusOffset: UInt64 = 12
    /// The largest buffer one send may carry.
    public static let maximumLength: UInt32 = 1 << 20

    public var magic: UInt32
    public var version: UInt16
    public var stream: UInt16
    public var length: UInt32
    public var status: UInt32
    public var buffer: UInt64
    public var reserved: UInt64

    public init(magic: UInt32 = Self.magic, version: UInt16 = Self.version, stream: UInt16, length: UInt32,
                status: UInt32 = 0, buffer: UInt64, reserved: UInt64 = 0) {
        self.magic = magic
        self.version = version
        self.stream = stream
        self.length = length
        self.status = status
        self.buffer = buffer
        self.reserved = reserved
    }

    /// Decodes the first 32 bytes of `bytes`; nil when there are fewer.
    public init?(bytes: [UInt8]) {
        guard bytes.count >= Self.size else { return nil }
        func field<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
            (0..<MemoryLayout<T>.size).reduce(T.zero) { value, index in
                value | T(truncatingIfNeeded: bytes[offset + index]) << (8 * index)
            }
        }
        self.init(magic: field(UInt32.self, at: 0), version: field(UInt16.self, at: 4),
                  stream: field(UInt16.self, at: 6), length: field(UInt32.self, at: 8),
                  status: field(UInt32.self, at: 12), buffer: field(UInt64.self, at: 16),
                  reserved: field(UInt64.self, at: 24))
    }

    /// The 32 little-endian bytes, as a guest would lay them out.
    public var bytes: [UInt8] {
        func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
            (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
        }
        return littleEndian(magic) + littleEndian(version) + littleEndian(stream) + littleEndian(length)
            + littleEndian(status) + littleEndian(buffer) + littleEndian(reserved)
    }
}

/// The `status` values the host writes back into a descriptor.
public enum TestDataStatus: UInt32, Sendable {
    case accepted = 1
    case badMagicOrVersion = 2
    case lengthOverLimit = 3
    case bufferOutsideRAM = 4
    case unknownStream = 5
}

/// The streams a descriptor may name.
public enum TestDataStream: UInt16, Sendable {
    /// Console text, shown where UART output is shown.
    case console = 0
    /// Data records, written to `swiftvm run --data FILE`.
    case data = 1
}
