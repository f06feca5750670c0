/// A range of guest-physical RAM, as the machine lays it out (GuestMemory's ranges, without depending
/// on that module): the MEMR section's runs must lie inside these.
public struct RAMRange: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let start: UInt64
    public let size: UInt64

    public init(start: UInt64, size: UInt64) {
        self.start = start
        self.size = size
    }

    /// One past the last byte (saturating: a range reaching 2^64 ends there).
    public var end: UInt64 { start.addingReportingOverflow(size).overflow ? UInt64.max : start + size }

    public var description: String { "[\(hex(start)), \(hex(end)))" }

    /// The layout sorted by start, without empty ranges.
    static func normalized(_ ranges: [RAMRange]) -> [RAMRange] {
        ranges.filter { $0.size > 0 }.sorted { $0.start < $1.start }
    }
}

/// A validated run of the MEMR section: `length` bytes of guest memory from `address`.
public struct MemoryRun: Equatable, Sendable {
    /// The run's position in the section (0-based), as errors name it.
    public let index: UInt64
    public let address: UInt64
    public let length: UInt64
    /// Where the run's bytes start inside the section's payload.
    public let payloadOffset: UInt64

    public init(index: UInt64, address: UInt64, length: UInt64, payloadOffset: UInt64) {
        self.index = index
        self.address = address
        self.length = length
        self.payloadOffset = payloadOffset
    }
}

/// The sparse memory encoding's constants.
public enum SparseMemory {
    /// Runs are made of whole pages of this size, aligned to it.
    public static let pageSize: UInt64 = 4096
    /// The run count.
    static let countSize: UInt64 = 8
    /// Address and length before each run's bytes.
    static let runHeaderSize: UInt64 = 16
    /// The section this encoding lives in.
    public static let tag = SectionTag.memory
    /// The MEMR version this release writes and reads.
    public static let version: UInt32 = 1
}
