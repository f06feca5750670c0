import GuestMemory

/// Builds boot-information bytes for a `BootInfoArea`: hands out aligned, checked slots from the start of
/// the area, and is written to guest memory in one piece. Offsets are relative to the area's start.
struct BootInfoLayout {
    /// The contract's limit: the command line and its NUL fit in 2 KiB.
    static let commandLineLimit = 2047

    let area: BootInfoArea
    let what: String
    private(set) var bytes: [UInt8] = []

    init(area: BootInfoArea, what: String) throws(BootInfoError) {
        guard area.range.isBelow4GiB else { throw .areaAbove4GiB(area: area.range) }
        self.area = area
        self.what = what
    }

    /// Reserves `count` records of `size` bytes at the next `alignment` boundary, zero-filled; returns the offset.
    mutating func reserve(count: Int, size: Int, alignment: Int = 8) throws(BootInfoError) -> Int {
        let start = (bytes.count + alignment - 1) & ~(alignment - 1)
        let (length, overflow) = count.multipliedReportingOverflow(by: size)
        let (end, overflow2) = start.addingReportingOverflow(length)
        guard !overflow, !overflow2, UInt64(end) <= area.range.size else {
            let needed = overflow || overflow2 ? UInt64.max : UInt64(end)
            throw .doesNotFit(what: what, needed: needed, area: area.range)
        }
        bytes += repeatElement(0, count: end - bytes.count)
        return start
    }

    /// Appends a NUL-terminated string; returns its offset.
    mutating func append(string: String) throws(BootInfoError) -> Int {
        let utf8 = Array(string.utf8)
        let offset = try reserve(count: utf8.count + 1, size: 1, alignment: 1)
        bytes.replaceSubrange(offset..<(offset + utf8.count), with: utf8)
        return offset
    }

    /// The guest-physical address of `offset`; below 4 GiB because the whole area is.
    func address(_ offset: Int) -> UInt32 {
        UInt32(area.range.start.rawValue + UInt64(offset))
    }

    mutating func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { raw in
            bytes.replaceSubrange(offset..<(offset + raw.count), with: raw)
        }
    }

    func write(into memory: GuestMemory) throws(BootInfoError) {
        do {
            try memory.write(bytes, at: area.range.start)
        } catch let error as GuestMemoryError {
            throw .memory(error)
        } catch {
            throw .memory(.outOfRange(address: area.range.start, length: UInt64(bytes.count)))
        }
    }

    /// The command-line checks shared by both protocols.
    static func validate(commandLine: String) throws(BootInfoError) {
        let utf8 = Array(commandLine.utf8)
        if let nul = utf8.firstIndex(of: 0) { throw .commandLineContainsNUL(offset: nul) }
        guard utf8.count <= commandLineLimit else {
            throw .commandLineTooLong(bytes: utf8.count, limit: commandLineLimit)
        }
    }
}
