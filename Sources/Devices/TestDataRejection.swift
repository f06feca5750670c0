/// Why the test data channel refused a send. The description names the guest's mistake.
public enum TestDataRejection: Error, Equatable, Sendable, CustomStringConvertible {
    /// The doorbell held an address whose 32-byte descriptor is not wholly in RAM; no status can be written.
    case descriptorOutsideRAM(address: UInt64)
    /// The doorbell was written with 1 or 2 bytes instead of one 32-bit `out`.
    case doorbellNotThirtyTwoBits(size: Int)
    case badMagic(UInt32)
    case badVersion(UInt16)
    case lengthOverLimit(UInt32)
    case bufferOutsideRAM(address: UInt64, length: UInt32)
    case unknownStream(UInt16)

    /// The status written back to the guest, or nil when there is no descriptor to write it into.
    public var status: TestDataStatus? {
        switch self {
        case .descriptorOutsideRAM, .doorbellNotThirtyTwoBits: return nil
        case .badMagic, .badVersion: return .badMagicOrVersion
        case .lengthOverLimit: return .lengthOverLimit
        case .bufferOutsideRAM: return .bufferOutsideRAM
        case .unknownStream: return .unknownStream
        }
    }

    public var description: String {
        switch self {
        case let .descriptorOutsideRAM(address):
            return "testdev descriptor at \(hex(address)) is not wholly inside guest RAM; "
                + "the guest must write the physical address of a 32-byte descriptor to port 0xEC0"
        case let .doorbellNotThirtyTwoBits(size):
            return "testdev doorbell written with a \(size)-byte access; the guest must use one 32-bit out to 0xEC0"
        case let .badMagic(magic):
            return "testdev descriptor magic is \(hex(UInt64(magic))), expected \(hex(UInt64(TestDataDescriptor.magic)))"
        case let .badVersion(version):
            return "testdev descriptor version is \(version); this host speaks version \(TestDataDescriptor.version)"
        case let .lengthOverLimit(length):
            return "testdev send of \(length) bytes exceeds the \(TestDataDescriptor.maximumLength)-byte limit; "
                + "split it into smaller sends"
        case let .bufferOutsideRAM(address, length):
            return "testdev buffer \(hex(address))+\(hex(UInt64(length))) is not wholly inside guest RAM"
        case let .unknownStream(stream):
            return "testdev descriptor names stream \(stream); only 0 (console) and 1 (data) exist"
        }
    }
}

private func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
