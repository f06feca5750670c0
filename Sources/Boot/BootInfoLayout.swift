import GuestMemory

/// Builds boot-information bytes for a `BootInfoArea` in two steps: first every piece is reserved
/// (aligned slots and strings; the total is tracked with saturating arithmetic, so absurd counts cannot
/// trap or allocate), then `finish()` checks the total against the area and allocates. Fields are put
/// only after that. Offsets are relative to the area's start; the result is written in one piece.
struct BootInfoLayout {
    /// The contract's limit: the command line and its NUL fit in 2 KiB.
    static let commandLineLimit = 2047

    let area: BootInfoArea
    let what: String
    /// Bytes needed so far; UInt64.max when the request cannot be represented.
    private(set) var needed: UInt64 = 0
    private var strings: [(offset: Int, utf8: [UInt8])] = []
    private(set) var bytes: [UInt8] = []

    init(area: BootInfoArea, what: String) throws(BootInfoError) {
        guard area.range.isBelow4GiB else { throw .areaAbove4GiB(area: area.range) }
        self.area = area
        self.what = what
    }

    /// Reserves `count` records of `size` bytes at the next `alignment` boundary; returns the offset, which
    /// is meaningful only once `finish()` has succeeded.
    mutating func reserve(count: Int, size: Int, alignment: UInt64 = 8) -> Int {
        let (bumped, overflow) = needed.addingReportingOverflow(alignment - 1)
        let start = overflow ? UInt64.max : bumped & ~(alignment - 1)
        let (length, overflow1) = UInt64(count).multipliedReportingOverflow(by: UInt64(size))
        let (end, overflow2) = start.addingReportingOverflow(length)
        needed = overflow1 || overflow2 ? .max : end
        return Int(clamping: start)
    }

    /// Reserves room for `string` and its NUL; returns the offset.
    mutating func reserve(string: String) -> Int {
        let utf8 = Array(string.utf8)
        let offset = reserve(count: utf8.count + 1, size: 1, alignment: 1)
        strings.append((offset, utf8))
        return offset
    }

    /// Checks the total against the area, then allocates the zeroed bytes and copies the strings in.
    mutating func finish() throws(BootInfoError) {
        guard needed <= area.range.size else { throw .doesNotFit(what: what, needed: needed, area: area.range) }
        bytes = [UInt8](repeating: 0, count: Int(needed))
        for string in strings {
            bytes.replaceSubrange(string.offset..<(string.offset + string.utf8.count), with: string.utf8)
        }
    }

    /// The guest-physical address of `offset`; below 4 GiB because the whole area is.
    func address(_ offset: Int) -> UInt32 {
        UInt32(area.range.start.rawValue + UInt64(offset))
    }

    /// Stores a little-endian field; only after `finish()`, at an offset it handed out.
    mutating func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { raw in
            bytes.replaceSubrange(offset..<(offset + raw.count), with: raw)
        }
    }

    func write(into memory: GuestMemory) throws(BootInfoError) {
        do {
            try memory.write(bytes, at: area.range.start)
        } catch {
            throw .memory(error)
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
