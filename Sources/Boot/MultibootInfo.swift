import GuestMemory

/// Writes the Multiboot v1 `multiboot_info` structure (Multiboot 0.6.96, section 3.3) and what it points to.
///
/// ```
/// multiboot_info                     module (16 bytes)      mmap entry (24 bytes, packed)
///   0 flags (bits 0, 2, 3, 6)          0 mod_start            0 size (20: the rest of the entry)
///   4 mem_lower  KiB below 640 KiB     4 mod_end (exclusive)  4 base_addr (u64)
///   8 mem_upper  KiB from 1 MiB        8 string              12 length (u64)
///  12 boot_device (absent)            12 reserved            20 type (1 RAM, 2 reserved)
///  16 cmdline
///  20 mods_count, 24 mods_addr
///  28..43 syms (absent)
///  44 mmap_length (bytes), 48 mmap_addr
///  52..115 drives, config table, loader name, APM, VBE, framebuffer (absent, zero)
/// ```
/// In the area: the info structure, module list, memory map, then the NUL-terminated strings.
public enum MultibootInfo {
    public static let flagMemory: UInt32 = 1 << 0
    public static let flagCommandLine: UInt32 = 1 << 2
    public static let flagModules: UInt32 = 1 << 3
    public static let flagMemoryMap: UInt32 = 1 << 6
    /// Up to the end of the framebuffer fields of 0.6.96, so a kernel reading any field sees zero.
    static let infoSize = 116
    static let moduleEntrySize = 16
    static let memoryMapEntrySize = 24

    /// Returns the guest-physical address of `multiboot_info`, the value for EBX.
    public static func write(into memory: GuestMemory, area: BootInfoArea, commandLine: String, modules: [BootModule],
                             memoryMap: [MemoryMapEntry]) throws(BootInfoError) -> UInt32 {
        try BootInfoLayout.validate(commandLine: commandLine)
        for (index, module) in modules.enumerated() where module.range.end.rawValue > UInt64(UInt32.max) {
            throw .moduleAbove4GiB(index: index, range: module.range)
        }
        var layout = try BootInfoLayout(area: area, what: "Multiboot info with \(modules.count) modules, "
                                        + "\(memoryMap.count) memory-map entries and the command lines")
        let info = layout.reserve(count: 1, size: infoSize)
        let moduleList = layout.reserve(count: modules.count, size: moduleEntrySize)
        let memoryMapTable = layout.reserve(count: memoryMap.count, size: memoryMapEntrySize)
        let commandLineOffset = layout.reserve(string: commandLine)
        let moduleCommandLines = modules.map { layout.reserve(string: $0.commandLine) }
        try layout.finish()

        for (index, module) in modules.enumerated() {
            let entry = moduleList + index * moduleEntrySize
            // Checked above: the end, and so the start, fit in 32 bits.
            layout.put(UInt32(module.range.start.rawValue), at: entry)
            layout.put(UInt32(module.range.end.rawValue), at: entry + 4)
            layout.put(layout.address(moduleCommandLines[index]), at: entry + 8)
        }
        for (index, region) in memoryMap.enumerated() {
            let entry = memoryMapTable + index * memoryMapEntrySize
            layout.put(UInt32(memoryMapEntrySize - 4), at: entry)
            layout.put(region.range.start.rawValue, at: entry + 4)
            layout.put(region.range.size, at: entry + 12)
            layout.put(region.kind.rawValue, at: entry + 20)
        }

        let (lower, upper) = memorySizes(memoryMap)
        layout.put(flagMemory | flagCommandLine | flagModules | flagMemoryMap, at: info)
        layout.put(lower, at: info + 4)
        layout.put(upper, at: info + 8)
        layout.put(layout.address(commandLineOffset), at: info + 16)
        layout.put(UInt32(modules.count), at: info + 20)
        layout.put(modules.isEmpty ? 0 : layout.address(moduleList), at: info + 24)
        // Bounded by the area size, so it fits in 32 bits.
        layout.put(UInt32(memoryMap.count * memoryMapEntrySize), at: info + 44)
        layout.put(memoryMap.isEmpty ? 0 : layout.address(memoryMapTable), at: info + 48)

        try layout.write(into: memory)
        return layout.address(info)
    }

    /// mem_lower: KiB of RAM from address 0, up to 640 KiB. mem_upper: KiB of RAM contiguous from 1 MiB
    /// (adjacent RAM entries join up), stopping at the first gap.
    static func memorySizes(_ memoryMap: [MemoryMapEntry]) -> (lower: UInt32, upper: UInt32) {
        let ram = memoryMap.filter(\.isRAM).map(\.range).sorted { $0.start < $1.start }
        let lowLimit: UInt64 = 640 << 10
        let lowEnd = ram.first { $0.start.rawValue == 0 }.map { min($0.end.rawValue, lowLimit) } ?? 0

        let oneMiB: UInt64 = 1 << 20
        var upperEnd = oneMiB
        for range in ram where range.start.rawValue <= upperEnd && range.end.rawValue > upperEnd {
            upperEnd = range.end.rawValue
        }
        let upperKiB = (upperEnd - oneMiB) >> 10
        return (UInt32(lowEnd >> 10), UInt32(clamping: upperKiB))
    }
}
