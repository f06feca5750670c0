/// A fuzz input read front to back as a stream of values. Past the end every read yields zero, so a
/// target never has to check lengths and a short input is just a short program.
public struct FuzzInput {
    public let bytes: [UInt8]
    public private(set) var position = 0

    public init(_ data: UnsafePointer<UInt8>, _ size: Int) {
        bytes = Array(UnsafeBufferPointer(start: data, count: size))
    }

    public init(bytes: [UInt8]) { self.bytes = bytes }

    public var isAtEnd: Bool { position >= bytes.count }
    public var remaining: Int { max(bytes.count - position, 0) }

    public mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    /// A little-endian integer of `T`'s width.
    public mutating func integer<T: FixedWidthInteger & UnsignedInteger>(_: T.Type = T.self) -> T {
        (0..<MemoryLayout<T>.size).reduce(T.zero) { value, index in value | T(byte()) << (8 * index) }
    }

    /// Up to `count` bytes (fewer at the end).
    public mutating func bytes(upTo count: Int) -> [UInt8] {
        let taken = Array(bytes[position..<min(position + max(count, 0), bytes.count)])
        position += taken.count
        return taken
    }

    public mutating func rest() -> [UInt8] { bytes(upTo: remaining) }
}
