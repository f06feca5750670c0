import GuestMemory
@testable import Boot

/// An 8 MiB guest laid out as docs/guest-interface.md describes.
enum TestGuest {
    static let ramSize: UInt64 = 8 << 20
    static let zeroPage = range(0, 0x1000)
    static let bootInfo = BootInfoArea.standard.range
    static let reserved = [zeroPage, bootInfo]
    static let memoryMap = [
        MemoryMapEntry(range: range(0, 0x9FC00), kind: .ram),
        MemoryMapEntry(range: range(0x9FC00, 0x100000 - 0x9FC00), kind: .reserved),
        MemoryMapEntry(range: range(0x100000, ramSize - 0x100000), kind: .ram),
    ]

    static func memory() throws -> GuestMemory {
        try GuestMemory(ranges: [range(0, ramSize)])
    }
}

func range(_ start: UInt64, _ size: UInt64) -> GuestRange {
    GuestRange(start: GuestAddress(start), size: size)!
}

extension GuestMemory {
    func u32(_ address: UInt64) throws -> UInt32 { try read(UInt32.self, at: GuestAddress(address)) }
    func u64(_ address: UInt64) throws -> UInt64 { try read(UInt64.self, at: GuestAddress(address)) }

    /// The NUL-terminated string at `address` (at most 4 KiB).
    func string(_ address: UInt64) throws -> String {
        var bytes: [UInt8] = []
        for offset in 0..<UInt64(4096) {
            let byte = try read(UInt8.self, at: GuestAddress(address + offset))
            if byte == 0 { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
