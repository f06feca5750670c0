import Snapshot

/// A device's guest-visible state as snapshot fields: `save` writes them, `restore` reads the same fields
/// in the same order over a freshly built device's state, refusing a value the device could never have
/// held (each refusal names the field). Host-side things (sinks, counters, the clock) are not state.
public protocol SavedState {
    func save(to writer: inout StateWriter)
    mutating func restore(from reader: inout StateReader) throws(SnapshotError)
}

extension StateReader {
    /// A u8 that must be one of `allowed`.
    public mutating func u8(_ field: String, oneOf allowed: [UInt8]) throws(SnapshotError) -> UInt8 {
        let value = try u8(field)
        guard allowed.contains(value) else { throw failure(field, "\(value) is not one of \(allowed)") }
        return value
    }

    /// A u8 with no bits outside `mask`.
    public mutating func u8(_ field: String, within mask: UInt8) throws(SnapshotError) -> UInt8 {
        let value = try u8(field)
        guard value & ~mask == 0 else { throw failure(field, "0x\(String(value, radix: 16)) has bits outside 0x\(String(mask, radix: 16))") }
        return value
    }

    /// A present flag and, when set, a u8 (an optional byte).
    public mutating func optionalU8(_ field: String) throws(SnapshotError) -> UInt8? {
        let present = try bool(field + " present")
        let value = try u8(field)
        return present ? value : nil
    }
}

extension StateWriter {
    public mutating func optionalU8(_ value: UInt8?) {
        bool(value != nil)
        u8(value ?? 0)
    }
}
