/// A guest-physical address. A distinct type so a host offset or a length can never be passed where a
/// guest address is meant; all arithmetic on it is checked.
public struct GuestAddress: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ value: UInt64) { self.rawValue = value }

    public static func < (lhs: GuestAddress, rhs: GuestAddress) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `self + offset`, or nil when it would pass 2^64.
    public func adding(_ offset: UInt64) -> GuestAddress? {
        let (sum, overflow) = rawValue.addingReportingOverflow(offset)
        return overflow ? nil : GuestAddress(sum)
    }

    /// The distance from `base` to `self`, or nil when `self` lies below `base`.
    public func offset(from base: GuestAddress) -> UInt64? {
        rawValue >= base.rawValue ? rawValue - base.rawValue : nil
    }

    /// Rounded up to a multiple of `alignment` (a power of two), or nil on overflow.
    public func alignedUp(to alignment: UInt64) -> GuestAddress? {
        precondition(alignment.nonzeroBitCount == 1, "alignment must be a power of two")
        guard let bumped = adding(alignment - 1) else { return nil }
        return GuestAddress(bumped.rawValue & ~(alignment - 1))
    }

    public var description: String { "0x" + String(rawValue, radix: 16) }
}

/// A half-open guest-physical range [start, end).
public struct GuestRange: Hashable, Sendable, CustomStringConvertible {
    public let start: GuestAddress
    public let size: UInt64

    /// Nil when the range would pass the end of the 64-bit address space.
    public init?(start: GuestAddress, size: UInt64) {
        guard start.adding(size) != nil else { return nil }
        self.start = start
        self.size = size
    }

    public var end: GuestAddress { GuestAddress(start.rawValue + size) }

    public func contains(_ other: GuestRange) -> Bool {
        other.start >= start && other.end <= end
    }

    public func overlaps(_ other: GuestRange) -> Bool {
        size > 0 && other.size > 0 && start < other.end && other.start < end
    }

    public var description: String { "[\(start), \(end))" }
}
