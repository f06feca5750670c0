/// Why a guest-memory operation was refused. Nothing here traps: a bad guest address is the guest's
/// (or the image's) fault and must become a reportable error.
public enum GuestMemoryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// [address, address+length) is not wholly inside one RAM region.
    case outOfRange(address: GuestAddress, length: UInt64)
    /// address + length passes 2^64.
    case addressOverflow(address: GuestAddress, length: UInt64)
    /// Regions overlap, are empty, or are not page-aligned.
    case invalidLayout(String)
    /// The host refused to reserve the memory.
    case mapFailed(size: UInt64, errno: Int32)

    public var description: String {
        switch self {
        case let .outOfRange(address, length):
            return "guest range \(address)+0x\(String(length, radix: 16)) is outside guest RAM"
        case let .addressOverflow(address, length):
            return "guest range \(address)+0x\(String(length, radix: 16)) wraps around the address space"
        case let .invalidLayout(why):
            return "invalid guest memory layout: \(why)"
        case let .mapFailed(size, errno):
            return "could not reserve \(size >> 20) MiB of guest memory (mmap errno \(errno))"
        }
    }
}
