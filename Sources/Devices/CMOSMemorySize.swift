extension CMOSRTCRegisters {
    /// Writes the memory-size bytes a PC BIOS reads from CMOS, computed as QEMU's `pc_cmos_init` does
    /// (hw/i386/pc.c), from the RAM below 4 GiB (`lowRAM`) and the RAM relocated above it (`highRAM`):
    ///
    /// | bytes | value (little-endian) |
    /// |---|---|
    /// | 0x15–0x16 | base memory in KiB: min(lowRAM / 1 KiB, 640) |
    /// | 0x17–0x18, 0x30–0x31 | extended memory above 1 MiB in KiB, at most 65535 |
    /// | 0x34–0x35 | memory between 16 MiB and 4 GiB in 64 KiB units, at most 65535 |
    /// | 0x5B–0x5D | memory above 4 GiB in 64 KiB units (24 bits) |
    ///
    /// QEMU keeps the low 24 bits of the last field; it is clamped here instead, which differs only above
    /// 1 TiB of high RAM.
    public mutating func presetMemorySize(lowRAM: UInt64, highRAM: UInt64) {
        let kib: UInt64 = 1 << 10, mib: UInt64 = 1 << 20
        let base = min(lowRAM / kib, 640)
        let extended = lowRAM > mib ? min((lowRAM - mib) / kib, 0xFFFF) : 0
        let above16MiB = lowRAM > 16 * mib ? min((lowRAM - 16 * mib) / (64 * kib), 0xFFFF) : 0
        let above4GiB = min(highRAM / (64 * kib), 0xFF_FFFF)
        presetLittleEndian(base, at: 0x15, bytes: 2)
        presetLittleEndian(extended, at: 0x17, bytes: 2)
        presetLittleEndian(extended, at: 0x30, bytes: 2)
        presetLittleEndian(above16MiB, at: 0x34, bytes: 2)
        presetLittleEndian(above4GiB, at: 0x5B, bytes: 3)
    }

    private mutating func presetLittleEndian(_ value: UInt64, at index: UInt8, bytes: UInt8) {
        for byte in 0..<bytes { preset(UInt8(truncatingIfNeeded: value >> (8 * UInt64(byte))), at: index + byte) }
    }
}
