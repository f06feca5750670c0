import GuestMemory

/// Why the boot information for a kernel could not be written.
public enum BootInfoError: Error, Equatable, Sendable, CustomStringConvertible {
    case commandLineTooLong(bytes: Int, limit: Int)
    /// A NUL would silently cut the command line short in the guest.
    case commandLineContainsNUL(offset: Int)
    /// The structures need more room than the boot-information area has.
    case doesNotFit(what: String, needed: UInt64, area: GuestRange)
    /// Both protocols hand the kernel 32-bit pointers, so the area must lie below 4 GiB.
    case areaAbove4GiB(area: GuestRange)
    /// Multiboot module addresses are 32-bit; the module's end must be below 4 GiB.
    case moduleAbove4GiB(index: Int, range: GuestRange)
    case memory(GuestMemoryError)

    public var description: String {
        switch self {
        case let .commandLineTooLong(bytes, limit):
            return "command line is \(bytes) bytes; the limit is \(limit)"
        case let .commandLineContainsNUL(offset):
            return "command line contains a NUL byte at offset \(offset); the kernel would see it cut short there"
        case let .doesNotFit(what, needed, area):
            return "\(what) needs \(needed) bytes but the boot-information area \(area) holds \(area.size); "
                + "shorten the command line or pass fewer modules / memory-map entries"
        case let .areaAbove4GiB(area):
            return "boot-information area \(area) is not below 4 GiB; the entry protocols pass 32-bit pointers"
        case let .moduleAbove4GiB(index, range):
            return "module \(index) \(range) does not end below 4 GiB; Multiboot module addresses are 32-bit"
        case let .memory(error):
            return "writing the boot information failed: \(error)"
        }
    }
}
