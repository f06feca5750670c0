import Testing
@testable import KVM

/// `littleEndianValue` answers the common sizes of a view with one load: every size and offset must
/// read the same value as assembling the bytes one by one, for a view and for inline bytes.
@Suite struct ExitBytesTests {
    static let bytes: [UInt8] = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA]

    static func byHand(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    @Test func aViewReadsEverySizeAtEveryOffset() {
        Self.bytes.withUnsafeBytes { raw in
            let view = ExitBytes(viewing: raw.baseAddress!, count: raw.count)
            for size in 0...8 {
                for offset in 0...(Self.bytes.count - size) {
                    #expect(view.littleEndianValue(at: offset, size: size) == Self.byHand(Self.bytes[offset..<(offset + size)]),
                            "size \(size) at \(offset)")
                }
            }
        }
    }

    @Test func inlineBytesReadEverySizeAtEveryOffset() {
        let inline: [UInt8] = Array(Self.bytes.prefix(8))
        let value = ExitBytes(inline)
        for size in 0...8 {
            for offset in 0...(inline.count - size) {
                #expect(value.littleEndianValue(at: offset, size: size) == Self.byHand(inline[offset..<(offset + size)]),
                        "size \(size) at \(offset)")
            }
        }
        #expect(ExitBytes(littleEndian: 0xAABB_CCDD, count: 2).littleEndianValue(size: 2) == 0xCCDD)
    }
}
