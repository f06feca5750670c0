/// Where ACPI structures serialize to: every table and every AML term writes into a `ByteWriter`, so an
/// AML term can be sized by encoding it into one. Besides appending, it can patch fields written earlier
/// (a table's length and checksum are only known at the end). All multi-byte helpers are little-endian,
/// as everything in ACPI is.
///
/// A concrete type, not a protocol of sinks: AML terms encode through existentials, and a generic sink
/// parameter there stays unspecialized, each byte a witness call (encoding the DSDT took ~80,000
/// instructions of every swiftvm start that way, ~57,000 now; benchmarks/README.md, "Seventh pass").
/// For the same reason the bulk `put` takes bytes in memory, not `some Sequence<UInt8>` ("Fourth pass").
public struct ByteWriter: Sendable, Equatable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public var count: Int { bytes.count }

    public mutating func put(_ byte: UInt8) { bytes.append(byte) }

    public mutating func put(_ bytes: UnsafeRawBufferPointer) { self.bytes.append(contentsOf: bytes) }

    public mutating func put(_ bytes: [UInt8]) { self.bytes.append(contentsOf: bytes) }

    public mutating func put(_ text: String.UTF8View) {
        var text = String(text)
        text.withUTF8 { put(UnsafeRawBufferPointer($0)) }
    }

    /// `byte`, `count` times.
    public mutating func put(repeating byte: UInt8, count: Int) {
        bytes.append(contentsOf: repeatElement(byte, count: max(count, 0)))
    }

    public mutating func put16(_ value: UInt16) { putLittleEndian(value) }
    public mutating func put32(_ value: UInt32) { putLittleEndian(value) }
    public mutating func put64(_ value: UInt64) { putLittleEndian(value) }

    /// `width` bytes of an ASCII field, padded with `pad` (callers validate the text first).
    public mutating func putASCII(_ text: String, width: Int, pad: UInt8 = 0x20) {
        let bytes = Array(text.utf8.prefix(width))
        put(bytes)
        put(repeating: pad, count: width - bytes.count)
    }

    public mutating func putZeros(_ count: Int) {
        put(repeating: 0, count: count)
    }

    private mutating func putLittleEndian<T: FixedWidthInteger>(_ value: T) {
        var remaining = value.littleEndian
        withUnsafeBytes(of: &remaining) { put($0) }
    }

    public mutating func patch8(_ value: UInt8, at offset: Int) { bytes[offset] = value }

    public mutating func patch32(_ value: UInt32, at offset: Int) {
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }

    public mutating func patch64(_ value: UInt64, at offset: Int) {
        for index in 0..<8 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }
}

/// ACPI checksums: the byte that makes `bytes` (with the checksum field holding 0) sum to 0 modulo 256.
public enum ACPIChecksum {
    public static func sum(_ bytes: some Sequence<UInt8>) -> UInt8 {
        bytes.reduce(0, &+)
    }

    public static func complement(of bytes: some Sequence<UInt8>) -> UInt8 {
        0 &- sum(bytes)
    }
}
