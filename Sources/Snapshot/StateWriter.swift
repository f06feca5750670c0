/// Builds a section's payload: little-endian fixed-width fields, raw bytes, length-prefixed strings.
/// `StateReader` reads the same fields back, in the same order.
public struct StateWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func u8(_ value: UInt8) { bytes.append(value) }
    public mutating func u16(_ value: UInt16) { integer(value) }
    public mutating func u32(_ value: UInt32) { integer(value) }
    public mutating func u64(_ value: UInt64) { integer(value) }
    public mutating func i32(_ value: Int32) { integer(UInt32(bitPattern: value)) }
    public mutating func i64(_ value: Int64) { integer(UInt64(bitPattern: value)) }
    /// One byte, 0 or 1.
    public mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }
    /// The bytes as they are, without a length: the reader must know the count.
    public mutating func bytes(_ values: [UInt8]) { bytes.append(contentsOf: values) }
    /// u32 byte count, then the UTF-8 bytes.
    public mutating func string(_ value: String) {
        let utf8 = Array(value.utf8)
        u32(UInt32(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    private mutating func integer<T: FixedWidthInteger & UnsignedInteger>(_ value: T) {
        for index in 0..<MemoryLayout<T>.size { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * index))) }
    }
}
