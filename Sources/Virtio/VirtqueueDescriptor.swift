import GuestMemory

/// One split-ring descriptor (virtio 1.2, §2.7.5): a guest buffer and how it links to the next.
///
///     le64 addr | le32 len | le16 flags | le16 next      (16 bytes)
///
/// Decoded from bytes copied out of guest memory once, so the guest cannot change a field between the
/// device's check and its use.
public struct VirtqueueDescriptor: Hashable, Sendable {
    public static let size = 16
    /// VIRTQ_DESC_F_NEXT: the chain continues at `next`.
    public static let nextFlag: UInt16 = 1
    /// VIRTQ_DESC_F_WRITE: the buffer is device-writable (otherwise device-readable).
    public static let writeFlag: UInt16 = 2
    /// VIRTQ_DESC_F_INDIRECT: the buffer is a table of descriptors.
    public static let indirectFlag: UInt16 = 4

    public var address: UInt64
    public var length: UInt32
    public var flags: UInt16
    public var next: UInt16

    public init(address: UInt64, length: UInt32, flags: UInt16 = 0, next: UInt16 = 0) {
        self.address = address
        self.length = length
        self.flags = flags
        self.next = next
    }

    /// Decodes the 16 bytes at `offset` in `bytes` (little-endian); the caller guarantees they exist.
    init(bytes: [UInt8], at offset: Int) {
        func field(_ start: Int, _ width: Int) -> UInt64 {
            (0..<width).reduce(0) { $0 | UInt64(bytes[offset + start + $1]) << (8 * UInt64($1)) }
        }
        self.init(address: field(0, 8), length: UInt32(field(8, 4)), flags: UInt16(field(12, 2)),
                  next: UInt16(field(14, 2)))
    }

    /// The 16 bytes a driver stores for this descriptor.
    public var bytes: [UInt8] {
        func le(_ value: UInt64, _ width: Int) -> [UInt8] { (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        return le(address, 8) + le(UInt64(length), 4) + le(UInt64(flags), 2) + le(UInt64(next), 2)
    }

    public var hasNext: Bool { flags & Self.nextFlag != 0 }
    public var isWriteOnly: Bool { flags & Self.writeFlag != 0 }
    public var isIndirect: Bool { flags & Self.indirectFlag != 0 }
}

/// Where a descriptor was found, for error messages: in the queue's table, or as an entry of the indirect
/// table that a queue descriptor points at.
public struct DescriptorLocation: Hashable, Sendable, CustomStringConvertible {
    /// The index in the queue's descriptor table (of the descriptor holding the indirect table, if any).
    public let index: UInt16
    /// The entry in that descriptor's indirect table, or nil for a descriptor of the queue's own table.
    public let indirectEntry: Int?

    public init(index: UInt16, indirectEntry: Int? = nil) {
        self.index = index
        self.indirectEntry = indirectEntry
    }

    public var description: String {
        guard let entry = indirectEntry else { return "descriptor \(index)" }
        return "entry \(entry) of the indirect table of descriptor \(index)"
    }
}

/// One guest buffer of a chain, checked to lie wholly inside guest RAM.
public struct GuestBuffer: Hashable, Sendable {
    public let address: GuestAddress
    public let length: UInt32
    public let location: DescriptorLocation
}
