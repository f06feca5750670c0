import CZlib

/// CRC-32 with zlib's polynomial (the one in gzip and PNG), fed in pieces.
struct CRC32 {
    private(set) var value: UInt32 = 0

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var left = bytes.count
        // zlib takes a 32-bit length: feed a large buffer in 1 GiB pieces.
        while left > 0 {
            let piece = min(left, 1 << 30)
            value = UInt32(truncatingIfNeeded: crc32(uLong(value), base, uInt(piece)))
            base += piece
            left -= piece
        }
    }

    mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    static func of(_ bytes: [UInt8]) -> UInt32 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }
}
