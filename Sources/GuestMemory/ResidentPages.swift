#if canImport(Glibc)
import Glibc
#endif

/// Which pages of guest RAM this process has ever backed with memory: mincore(2) over each region's
/// anonymous mapping. A page the guest (or a loader, or KVM on the guest's behalf) never touched is not
/// resident and reads as zero, so a snapshot can skip it without looking: saving a 4 GiB guest that
/// used 200 KiB costs the pages it used, not 4 GiB of reads.
public struct ResidentPages: Sendable {
    private let maps: [(range: GuestRange, resident: [UInt8])]

    /// Every page counts as resident when mincore fails (a correct, slower answer: the caller then reads
    /// and zero-checks all of RAM).
    init(_ regions: [(GuestRange, UnsafeMutableRawPointer)]) {
        maps = regions.map { range, base in
            let pages = Int(range.size / GuestMemory.pageSize)
            var vector = [UInt8](repeating: 1, count: pages)
            if mincore(base, Int(range.size), &vector) != 0 {
                vector = [UInt8](repeating: 1, count: pages)
            }
            return (range, vector)
        }
    }

    /// Whether the page holding `address` may hold data (false outside RAM).
    public func contains(_ address: UInt64) -> Bool {
        for map in maps where address >= map.range.start.rawValue && address < map.range.end.rawValue {
            return map.resident[Int((address - map.range.start.rawValue) / GuestMemory.pageSize)] & 1 != 0
        }
        return false
    }

    /// How many pages are resident.
    public var count: Int { maps.reduce(0) { $0 + $1.resident.reduce(0) { $0 + Int($1 & 1) } } }
}

extension GuestMemory {
    /// The pages of RAM that hold memory now (see `ResidentPages`).
    public func residentPages() -> ResidentPages {
        ResidentPages(regions.map { ($0.range, $0.base) })
    }
}
