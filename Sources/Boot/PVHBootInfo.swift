import GuestMemory

/// Writes Xen's `hvm_start_info` (version 1) and what it points to into the boot-information area.
///
/// Layout, little-endian, from xen/include/public/arch-x86/hvm/start_info.h:
/// ```
/// hvm_start_info (56 bytes)          hvm_modlist_entry (32)    hvm_memmap_table_entry (24)
///   0 magic 0x336ec578                 0 paddr                   0 addr
///   4 version (1)                      8 size                    8 size
///   8 flags                           16 cmdline_paddr          16 type (1 RAM, 2 reserved)
///  12 nr_modules                      24 reserved               20 reserved
///  16 modlist_paddr
///  24 cmdline_paddr
///  32 rsdp_paddr
///  40 memmap_paddr
///  48 memmap_entries
///  52 reserved
/// ```
/// In the area: start info, module list, memory map, then the NUL-terminated strings. A zero address
/// means "absent" (rsdp when nil); every string is written, so its pointer is never zero.
public enum PVHBootInfo {
    public static let magic: UInt32 = 0x336E_C578
    public static let version: UInt32 = 1
    static let startInfoSize = 56
    static let moduleEntrySize = 32
    static let memoryMapEntrySize = 24

    /// Returns the guest-physical address of `hvm_start_info`, the value for EBX.
    public static func write(into memory: GuestMemory, area: BootInfoArea, commandLine: String, modules: [BootModule],
                             memoryMap: [MemoryMapEntry], rsdp: GuestAddress?) throws(BootInfoError) -> UInt32 {
        try BootInfoLayout.validate(commandLine: commandLine)
        var layout = try BootInfoLayout(area: area, what: "PVH start info with \(modules.count) modules, "
                                        + "\(memoryMap.count) memory-map entries and the command lines")
        let startInfo = layout.reserve(count: 1, size: startInfoSize)
        let moduleList = layout.reserve(count: modules.count, size: moduleEntrySize)
        let memoryMapTable = layout.reserve(count: memoryMap.count, size: memoryMapEntrySize)
        let commandLineOffset = layout.reserve(string: commandLine)
        let moduleCommandLines = modules.map { layout.reserve(string: $0.commandLine) }
        try layout.finish()

        for (index, module) in modules.enumerated() {
            let entry = moduleList + index * moduleEntrySize
            layout.put(module.range.start.rawValue, at: entry)
            layout.put(module.range.size, at: entry + 8)
            layout.put(UInt64(layout.address(moduleCommandLines[index])), at: entry + 16)
        }
        for (index, region) in memoryMap.enumerated() {
            let entry = memoryMapTable + index * memoryMapEntrySize
            layout.put(region.range.start.rawValue, at: entry)
            layout.put(region.range.size, at: entry + 8)
            layout.put(region.kind.rawValue, at: entry + 16)
        }

        layout.put(magic, at: startInfo)
        layout.put(version, at: startInfo + 4)
        layout.put(UInt32(0), at: startInfo + 8)
        layout.put(UInt32(modules.count), at: startInfo + 12)
        layout.put(UInt64(modules.isEmpty ? 0 : layout.address(moduleList)), at: startInfo + 16)
        layout.put(UInt64(layout.address(commandLineOffset)), at: startInfo + 24)
        layout.put(rsdp?.rawValue ?? 0, at: startInfo + 32)
        layout.put(UInt64(memoryMap.isEmpty ? 0 : layout.address(memoryMapTable)), at: startInfo + 40)
        layout.put(UInt32(memoryMap.count), at: startInfo + 48)

        try layout.write(into: memory)
        return layout.address(startInfo)
    }
}
