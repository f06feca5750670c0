/// Reads a section's payload field by field, in the order `StateWriter` wrote them. Every read names its
/// field, so a short or malformed payload is refused with the section and the field at fault.
public struct StateReader: Sendable {
    public let section: SectionTag
    /// The file the payload came from, for error messages ("" when made from bytes alone).
    public let file: String
    private let bytes: [UInt8]
    public private(set) var position = 0

    public init(_ bytes: [UInt8], section: SectionTag) { self.init(bytes, section: section, file: "") }

    public init(_ bytes: [UInt8], section: SectionTag, file: String) {
        self.bytes = bytes
        self.section = section
        self.file = file
    }

    /// Bytes not yet read.
    public var remaining: Int { bytes.count - position }

    public mutating func u8(_ field: String) throws(SnapshotError) -> UInt8 { try integer(field) }
    public mutating func u16(_ field: String) throws(SnapshotError) -> UInt16 { try integer(field) }
    public mutating func u32(_ field: String) throws(SnapshotError) -> UInt32 { try integer(field) }
    public mutating func u64(_ field: String) throws(SnapshotError) -> UInt64 { try integer(field) }
    public mutating func i32(_ field: String) throws(SnapshotError) -> Int32 { Int32(bitPattern: try integer(field)) }
    public mutating func i64(_ field: String) throws(SnapshotError) -> Int64 { Int64(bitPattern: try integer(field)) }

    /// One byte that must be 0 or 1.
    public mutating func bool(_ field: String) throws(SnapshotError) -> Bool {
        let value: UInt8 = try integer(field)
        guard value <= 1 else { throw failure(field, "\(value) is not a boolean (0 or 1)") }
        return value == 1
    }

    public mutating func bytes(count: Int, field: String) throws(SnapshotError) -> [UInt8] {
        guard count >= 0, count <= remaining else {
            throw failure(field, "needs \(count) bytes, \(remaining) left in the section")
        }
        defer { position += count }
        return Array(bytes[position..<(position + count)])
    }

    /// A u32 byte count and that many bytes of valid UTF-8.
    public mutating func string(field: String) throws(SnapshotError) -> String {
        let count = try u32(field + " length")
        let utf8 = try bytes(count: Int(count), field: field)
        guard let text = String(validating: utf8, as: UTF8.self) else { throw failure(field, "is not valid UTF-8") }
        return text
    }

    /// Refuses a payload with bytes left over: a field this reader does not know was written.
    public func finish() throws(SnapshotError) {
        guard remaining == 0 else {
            throw failure("(end)", "\(remaining) bytes left over after the last field at offset \(position)")
        }
    }

    /// An error about `field` of this section, for checks a caller makes on a value it read.
    public func failure(_ field: String, _ problem: String) -> SnapshotError {
        .field(file: file, section: section, field: field, problem: problem)
    }

    private mutating func integer<T: FixedWidthInteger & UnsignedInteger>(_ field: String) throws(SnapshotError) -> T {
        let size = MemoryLayout<T>.size
        guard size <= remaining else { throw failure(field, "needs \(size) bytes, \(remaining) left in the section") }
        var value = T.zero
        for index in 0..<size { value |= T(bytes[position + index]) << (8 * index) }
        position += size
        return value
    }
}
