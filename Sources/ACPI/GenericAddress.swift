/// A Generic Address Structure (ACPI 6.x §5.2.3.2), 12 bytes:
/// space id, register bit width, register bit offset, access size, 64-bit address.
public struct GenericAddress: Sendable, Equatable, Hashable {
    public enum AddressSpace: UInt8, Sendable {
        case systemMemory = 0
        case systemIO = 1
        case pciConfiguration = 2
    }

    /// Access size field: 0 undefined (legacy), 1 byte, 2 word, 3 dword, 4 qword.
    public enum AccessSize: UInt8, Sendable {
        case undefined = 0, byte, word, dword, qword
    }

    public static let size = 12

    public var space: AddressSpace
    public var bitWidth: UInt8
    public var bitOffset: UInt8
    public var accessSize: AccessSize
    public var address: UInt64

    public init(space: AddressSpace, bitWidth: UInt8, bitOffset: UInt8 = 0, accessSize: AccessSize,
                address: UInt64) {
        self.space = space
        self.bitWidth = bitWidth
        self.bitOffset = bitOffset
        self.accessSize = accessSize
        self.address = address
    }

    /// The all-zero structure: "not present".
    public static let absent = GenericAddress(space: .systemMemory, bitWidth: 0, accessSize: .undefined,
                                              address: 0)

    /// One byte-wide I/O port.
    public static func ioPort(_ port: UInt16) -> GenericAddress {
        GenericAddress(space: .systemIO, bitWidth: 8, accessSize: .byte, address: UInt64(port))
    }

    public func write(into sink: inout ByteWriter) {
        sink.put(space.rawValue)
        sink.put(bitWidth)
        sink.put(bitOffset)
        sink.put(accessSize.rawValue)
        sink.put64(address)
    }
}
