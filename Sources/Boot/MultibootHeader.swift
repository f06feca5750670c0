/// A Multiboot v1 header found in a kernel file (Multiboot 0.6.96, section 3.1).
public struct MultibootHeader: Equatable, Sendable {
    public static let magic: UInt32 = 0x1BAD_B002
    /// The spec: the header lies wholly within the first 8192 bytes, 32-bit aligned.
    public static let searchLimit = 8192

    /// Flag bit 0: modules must be page-aligned. Bit 1: memory information must be provided.
    public static let supportedRequirements: UInt32 = 0b11
    /// Flag bit 16: the address fields below are valid (the "a.out kludge").
    public static let addressFieldsFlag: UInt32 = 1 << 16

    /// The a.out-kludge fields, present only when flag bit 16 is set.
    public struct AddressFields: Equatable, Sendable {
        public let headerAddress: UInt32
        public let loadAddress: UInt32
        public let loadEndAddress: UInt32
        public let bssEndAddress: UInt32
        public let entryAddress: UInt32
    }

    /// Where the header starts in the file.
    public let fileOffset: Int
    public let flags: UInt32
    public let addressFields: AddressFields?

    /// Requirement bits (0–15) this loader cannot honour: bit 2 (video mode) and anything undefined.
    public var unsupportedRequirements: UInt32 { flags & 0xFFFF & ~Self.supportedRequirements }

    /// Scans the first 8 KiB of the file at 4-byte steps for magic, flags, checksum summing to 0 (mod 2^32).
    static func find(in bytes: [UInt8]) -> MultibootHeader? {
        let limit = min(bytes.count, searchLimit)
        var offset = 0
        while offset + 12 <= limit {
            defer { offset += 4 }
            // The magic's low byte first: a kernel without the header (every PVH kernel) is scanned to the
            // limit, 2,048 words, and one byte compare rejects nearly all of them.
            guard bytes[offset] == UInt8(truncatingIfNeeded: magic), littleEndianWord(bytes, at: offset) == magic else { continue }
            let flags = littleEndianWord(bytes, at: offset + 4)
            let checksum = littleEndianWord(bytes, at: offset + 8)
            guard magic &+ flags &+ checksum == 0 else { continue }
            var fields: AddressFields?
            if flags & addressFieldsFlag != 0, offset + 32 <= bytes.count {
                fields = AddressFields(headerAddress: littleEndianWord(bytes, at: offset + 12),
                                       loadAddress: littleEndianWord(bytes, at: offset + 16),
                                       loadEndAddress: littleEndianWord(bytes, at: offset + 20),
                                       bssEndAddress: littleEndianWord(bytes, at: offset + 24),
                                       entryAddress: littleEndianWord(bytes, at: offset + 28))
            }
            return MultibootHeader(fileOffset: offset, flags: flags, addressFields: fields)
        }
        return nil
    }
}

/// The little-endian 32-bit word at `offset`; the caller has checked `offset + 4 <= bytes.count`.
func littleEndianWord(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
}
