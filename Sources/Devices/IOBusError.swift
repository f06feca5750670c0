/// Why a device could not be placed on the `IOBus`. These are VMM wiring mistakes, reported with both
/// parties named so the fix is obvious.
public enum IOBusError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The requested range is empty or runs past port 0xFFFF.
    case invalidRange(name: String, base: UInt16, length: UInt16)
    /// The requested range overlaps a device already registered.
    case overlap(name: String, base: UInt16, length: UInt16, existing: String, existingBase: UInt16, existingLength: UInt16)

    public var description: String {
        switch self {
        case let .invalidRange(name, base, length):
            return "cannot register \(name) at \(Self.span(base, length)): a port range must be non-empty and end at or below 0xFFFF"
        case let .overlap(name, base, length, existing, existingBase, existingLength):
            return "cannot register \(name) at \(Self.span(base, length)): it overlaps \(existing) at "
                + "\(Self.span(existingBase, existingLength)); move one of them"
        }
    }

    static func span(_ base: UInt16, _ length: UInt16) -> String {
        guard length > 0 else { return "port 0x\(String(base, radix: 16)) with length 0" }
        let last = UInt32(base) + UInt32(length) - 1
        return "ports 0x\(String(base, radix: 16))–0x\(String(last, radix: 16))"
    }
}
