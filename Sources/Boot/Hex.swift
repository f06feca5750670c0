import GuestMemory

/// "0x1f00": how every address, offset and size appears in a message.
func hex(_ value: some BinaryInteger) -> String { "0x" + String(value, radix: 16) }

/// "[0x100000, 0x102000)" for a range given by start and size, even when the end passes 2^64.
func hexRange(start: UInt64, size: UInt64) -> String {
    let (end, overflow) = start.addingReportingOverflow(size)
    return "[\(hex(start)), \(overflow ? "beyond 2^64" : hex(end)))"
}

/// "8 MiB", "512 KiB" or "100 bytes": a size a user recognises from the --memory flag.
func humanSize(_ bytes: UInt64) -> String {
    if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
    if bytes >= 1 << 10 && bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
    return "\(bytes) bytes"
}

extension MemoryMapEntry {
    /// Whether the range is RAM. Written out so callers read as prose.
    var isRAM: Bool { kind == .ram }
}

extension GuestRange {
    /// The first address past 4 GiB, the limit of everything a 32-bit entry protocol can name.
    static let fourGiB: UInt64 = 1 << 32

    /// True when every byte lies below 4 GiB (the end may equal 4 GiB).
    var isBelow4GiB: Bool { end.rawValue <= GuestRange.fourGiB }
}
