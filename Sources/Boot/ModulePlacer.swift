import GuestMemory

/// Chooses where a boot module (an initrd) goes: page-aligned, as high as possible in RAM below 4 GiB,
/// and at or above `above` (usually the kernel's end). The highest spot keeps low RAM free for the kernel.
public enum ModulePlacer {
    public static func place(size: UInt64, memoryMap: [MemoryMapEntry], above: GuestAddress) throws(LoadError) -> GuestRange {
        let page = GuestMemory.pageSize
        guard let floor = above.alignedUp(to: page) else { throw .moduleDoesNotFit(size: size, above: above) }
        var best: GuestAddress?
        for entry in memoryMap where entry.isRAM {
            let top = min(entry.range.end.rawValue, GuestRange.fourGiB)
            let bottom = max(entry.range.start.rawValue, floor.rawValue)
            guard top > bottom, top - bottom >= size else { continue }
            let start = (top - size) & ~(page - 1)
            guard start >= bottom else { continue }
            if best.map({ start > $0.rawValue }) ?? true { best = GuestAddress(start) }
        }
        guard let best, let range = GuestRange(start: best, size: size) else {
            throw .moduleDoesNotFit(size: size, above: above)
        }
        return range
    }
}
