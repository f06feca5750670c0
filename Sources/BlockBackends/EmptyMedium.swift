/// A drive with no medium: size 0, so every read or write is out of range. What a machine type's disk
/// slot holds when no image is given, so the device (and the guest-visible ABI) is there either way.
public struct EmptyMedium: BlockBackend {
    public init() {}

    public var size: UInt64 { 0 }
    public var isReadOnly: Bool { false }

    public func read(at offset: UInt64, into buffer: inout [UInt8]) throws(BlockBackendError) {
        try checkRange(offset: offset, length: buffer.count)
    }

    public func write(_ bytes: ArraySlice<UInt8>, at offset: UInt64) throws(BlockBackendError) {
        try checkRange(offset: offset, length: bytes.count)
    }

    public func flush() throws(BlockBackendError) {}
}
