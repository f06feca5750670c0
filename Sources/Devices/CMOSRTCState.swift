import Snapshot

/// The RTC's registers and CMOS RAM as snapshot fields (DEVS section). The time itself is not state: it
/// is the host's clock, read at every access, before and after a restore alike. `lastSeen` is kept so
/// that the first read after a restore reports the update cycles that passed meanwhile (register C UF).
extension CMOSRTCRegisters: SavedState {
    public func save(to writer: inout StateWriter) {
        writer.bytes(ram)
        writer.u8(index)
        writer.bool(nmiDisabled)
        writer.bool(lastSeen != nil)
        let seen = lastSeen ?? CMOSDateTime(year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0, weekday: 1)
        writer.u16(UInt16(clamping: seen.year))
        for part in [seen.month, seen.day, seen.hour, seen.minute, seen.second, seen.weekday] { writer.u8(UInt8(clamping: part)) }
    }

    public mutating func restore(from reader: inout StateReader) throws(SnapshotError) {
        ram = try reader.bytes(count: Self.size, field: "CMOS RAM")
        index = try reader.u8("CMOS index", within: 0x7F)
        nmiDisabled = try reader.bool("CMOS NMI disabled")
        let seen = try reader.bool("CMOS last seen present")
        let year = Int(try reader.u16("CMOS last seen year"))
        var parts: [Int] = []
        for field in ["month", "day", "hour", "minute", "second", "weekday"] { parts.append(Int(try reader.u8("CMOS last seen " + field))) }
        lastSeen = seen ? CMOSDateTime(year: year, month: parts[0], day: parts[1], hour: parts[2], minute: parts[3],
                                       second: parts[4], weekday: parts[5]) : nil
    }
}
