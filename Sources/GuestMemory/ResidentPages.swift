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

    /// The resident pages as guest-physical ranges, in address order, one per run of neighbouring
    /// resident pages of a region. The mincore vector is scanned 8 bytes at a time, so a 4 GiB guest
    /// that touched little costs ~130 K word loads, not a lookup per page.
    public var ranges: [Range<UInt64>] {
        var ranges: [Range<UInt64>] = []
        for map in maps.sorted(by: { $0.range.start.rawValue < $1.range.start.rawValue }) {
            let base = map.range.start.rawValue
            for pages in Self.runs(map.resident) {
                ranges.append((base + UInt64(pages.lowerBound) * GuestMemory.pageSize)..<(base + UInt64(pages.upperBound) * GuestMemory.pageSize))
            }
        }
        return ranges
    }

    /// Runs of page indices whose mincore byte has bit 0 set (the other bits are undefined).
    static func runs(_ vector: [UInt8]) -> [Range<Int>] {
        let lowBits: UInt64 = 0x0101_0101_0101_0101
        var runs: [Range<Int>] = []
        var start: Int?
        vector.withUnsafeBytes { raw in
            var page = 0
            while page < raw.count {
                if page + 8 <= raw.count {
                    let word = raw.loadUnaligned(fromByteOffset: page, as: UInt64.self) & lowBits
                    if word == 0 || word == lowBits {
                        if word == 0, let first = start { runs.append(first..<page); start = nil }
                        if word == lowBits, start == nil { start = page }
                        page += 8
                        continue
                    }
                }
                if raw[page] & 1 != 0 {
                    if start == nil { start = page }
                } else if let first = start {
                    runs.append(first..<page)
                    start = nil
                }
                page += 1
            }
        }
        if let first = start { runs.append(first..<vector.count) }
        return runs
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
