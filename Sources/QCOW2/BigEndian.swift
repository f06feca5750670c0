/// Big-endian field access on byte arrays: every qcow2 on-disk integer is big-endian. Callers check
/// bounds first (the header parser reads a buffer it sized itself).
extension Array where Element == UInt8 {
    func be(_ offset: Int, _ width: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in offset..<(offset + width) { value = value << 8 | UInt64(self[index]) }
        return value
    }
    func be64(_ offset: Int) -> UInt64 { be(offset, 8) }
    func be32(_ offset: Int) -> UInt32 { UInt32(be(offset, 4)) }
    func be16(_ offset: Int) -> UInt16 { UInt16(be(offset, 2)) }

    mutating func putBE(_ value: UInt64, at offset: Int, width: Int) {
        for index in 0..<width { self[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(width - 1 - index))) }
    }
    mutating func put64(_ value: UInt64, at offset: Int) { putBE(value, at: offset, width: 8) }
    mutating func put32(_ value: UInt32, at offset: Int) { putBE(UInt64(value), at: offset, width: 4) }
    mutating func put16(_ value: UInt16, at offset: Int) { putBE(UInt64(value), at: offset, width: 2) }
}

func bigEndianBytes(_ value: UInt64) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: 8)
    bytes.put64(value, at: 0)
    return bytes
}
