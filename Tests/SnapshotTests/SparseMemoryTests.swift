import TestSupport
import Testing
@testable import Snapshot

/// The MEMR encoding: what the writer stores, and every run the reader refuses.
@Suite struct SparseMemoryTests {
    /// 0–64 KiB, a hole, 1 MiB–1 MiB+32 KiB.
    let ram = [RAMRange(start: 0, size: 0x10000), RAMRange(start: 0x100000, size: 0x8000)]

    /// A payload of hand-written runs (each filled with 0xAB).
    func payload(count: UInt64? = nil, _ runs: [(UInt64, UInt64)], trailing: [UInt8] = []) -> [UInt8] {
        var writer = StateWriter()
        writer.u64(count ?? UInt64(runs.count))
        for (address, length) in runs {
            writer.u64(address)
            writer.u64(length)
            writer.bytes([UInt8](repeating: 0xAB, count: Int(min(length, 1 << 20))))
        }
        writer.bytes(trailing)
        return writer.bytes
    }

    func refusal(_ bytes: [UInt8]) -> String? {
        snapshotError { () throws(SnapshotError) in try SparseMemoryReader(payload: bytes, ram: ram, file: "t.snap").runs() }?.description
    }

    @Test func validRunsAreAccepted() throws {
        let runs = try SparseMemoryReader(payload: payload([(0x1000, 0x2000), (0x3000, 0x1000), (0x100000, 0x8000)]), ram: ram).runs()
        #expect(runs.map(\.address) == [0x1000, 0x3000, 0x100000])
        #expect(runs.map(\.index) == [0, 1, 2])
        let offsets: [UInt64] = [24, 0x2028, 0x3038]  // count + header, then each run's bytes + the next header
        #expect(runs.map(\.payloadOffset) == offsets)
        #expect(try SparseMemoryReader(payload: payload([]), ram: ram).runs().isEmpty)
    }

    @Test func runsOutsideRAMAreRefused() {
        #expect(refusal(payload([(0x20000, 0x1000)])) == #"snapshot t.snap: section "MEMR" run 0 at 0x20000: is outside guest RAM [0x0, 0x10000) [0x100000, 0x108000)"#)
        #expect(refusal(payload([(0x1000, 0x1000), (0xF000, 0x2000)])) == #"snapshot t.snap: section "MEMR" run 1 at 0xf000: [0xf000, 0x11000) straddles the end of RAM range [0x0, 0x10000)"#)
        #expect(refusal(payload([(0x107000, 0x2000)]))?.contains("straddles the end of RAM range [0x100000, 0x108000)") == true)
    }

    @Test func overlappingAndUnorderedRunsAreRefused() {
        #expect(refusal(payload([(0x1000, 0x2000), (0x2000, 0x1000)])) == #"snapshot t.snap: section "MEMR" run 1 at 0x2000: overlaps or precedes run 0, which ends at 0x3000 (runs must be in address order)"#)
        #expect(refusal(payload([(0x5000, 0x1000), (0x1000, 0x1000)]))?.contains("run 1 at 0x1000: overlaps or precedes run 0") == true)
        #expect(refusal(payload([(0x1000, 0x1000), (0x1000, 0x1000)]))?.contains("run 1 at 0x1000: overlaps") == true)
    }

    @Test func unalignedEmptyAndOversizedRunsAreRefused() {
        #expect(refusal(payload([(0x1800, 0x1000)])) == #"snapshot t.snap: section "MEMR" run 0 at 0x1800: address is not 4 KiB-aligned"#)
        // Padding after the runs keeps the run count plausible, so the run itself is what is refused.
        let padding = [UInt8](repeating: 0, count: 0x1000)
        #expect(refusal(payload([(0x1000, 0x800)], trailing: padding)) == #"snapshot t.snap: section "MEMR" run 0 at 0x1000: length 0x800 is not a multiple of 4 KiB"#)
        #expect(refusal(payload([(0x1000, 0x1000), (0x2000, 0)], trailing: padding)) == #"snapshot t.snap: section "MEMR" run 1 at 0x2000: length 0"#)
        var short = payload([(0x1000, 0x2000)])
        short.removeLast(0x1000)
        #expect(refusal(short) == #"snapshot t.snap: section "MEMR" run 0 at 0x1000: its 8192 bytes run past the section's end (4096 left)"#)
        #expect(refusal(payload([(0xFFFF_FFFF_FFFF_F000, 0x2000), (0, 0)]))?.contains("wraps around the address space") == true)
    }

    @Test func countsAndLeftoversAreRefused() {
        #expect(refusal([1, 2, 3]) == #"snapshot t.snap: section "MEMR" field run count: needs 8 bytes, the section has 3"#)
        #expect(refusal(payload(count: 2, [(0x1000, 0x1000)])) == #"snapshot t.snap: section "MEMR" field run count: 2 runs do not fit in 4120 bytes (at most 1)"#)
        #expect(refusal(payload(count: UInt64.max, [])) == #"snapshot t.snap: section "MEMR" field run count: 18446744073709551615 runs do not fit in 8 bytes (at most 0)"#)
        #expect(refusal(payload([(0x1000, 0x1000)], trailing: [0])) == #"snapshot t.snap: section "MEMR" field (end): 1 bytes left over after run 0"#)
        #expect(refusal(payload(count: 1, [(0x1000, 0x1000)], trailing: [])) == nil)
    }

    @Test func nothingIsHandedOutBeforeEveryRunIsValid() {
        var visited = 0
        let error = snapshotError { () throws(SnapshotError) in
            try SparseMemoryReader(payload: payload([(0x1000, 0x1000), (0x20000, 0x1000)]), ram: ram).readRuns { _, _, _ in visited += 1 }
        }
        #expect(error != nil)
        #expect(visited == 0)
    }

    @Test func aFailingRestoreNamesTheRun() {
        struct Full: Error {}
        let error = snapshotError { () throws(SnapshotError) in
            try SparseMemoryReader(payload: payload([(0x1000, 0x1000)]), ram: ram, file: "t.snap").readRuns { _, _, _ in throw Full() }
        }
        #expect(error?.description == #"snapshot t.snap: section "MEMR" run 0 at 0x1000: restoring its bytes failed: Full()"#)
    }

    @Test func theWriterSkipsUntouchedAndZeroPagesAndSplitsAtRangeEnds() throws {
        // Two adjacent RAM ranges: a run never crosses from one into the other.
        let ram = [RAMRange(start: 0, size: 0x4000), RAMRange(start: 0x4000, size: 0x4000)]
        let zeroPage: UInt64 = 0x2000
        let memory: (UInt64, Int) -> [UInt8] = { address, count in
            (0..<count).map { address + UInt64($0) >= zeroPage && address + UInt64($0) < zeroPage + 0x1000 ? 0 : 0x5A }
        }
        let writer = SparseMemoryWriter(ram: ram)
        let touched: [Range<UInt64>] = [0x7000..<0x8000, 0..<0x6000]
        let runs = try writer.runs(touched: touched, read: memory)
        #expect(runs.map(\.address) == [0, 0x3000, 0x4000, 0x7000])
        #expect(runs.map(\.length) == [0x2000, 0x1000, 0x2000, 0x1000])
        let bytes = try writer.encode(touched: touched, read: memory)
        #expect(UInt64(bytes.count) == SparseMemoryWriter.sectionLength(of: runs))
        let decoded = try SparseMemoryReader(payload: bytes, ram: ram).runs()
        #expect(decoded.map(\.address) == runs.map(\.address))
    }

    /// Touched ranges in any order, overlapping, not page-aligned, reaching past RAM: a page counts when
    /// a byte of it is touched; the runs are those of the same pages given one by one.
    @Test func touchedRangesAreWidenedToPagesAndMerged() throws {
        #expect(SparseMemoryWriter.pageSpans([0x5010..<0x5020, 0x1FFF..<0x2001, 0x2000..<0x4000, 0x9000..<0x9000, 0xA000..<UInt64.max])
                == [0x1000..<0x4000, 0x5000..<0x6000, 0xA000..<0xFFFF_FFFF_FFFF_F000])
        let memory: (UInt64, Int) -> [UInt8] = { _, count in [UInt8](repeating: 1, count: count) }
        let writer = SparseMemoryWriter(ram: ram)
        let runs = try writer.runs(touched: [0x100800..<0x101800, 0x5010..<0x5020, 0x1FFF..<0x2001, 0xF000..<0x200000], read: memory)
        let pages = try writer.runs(touched: ([0x1000, 0x2000, 0x5000, 0xF000] + Array(stride(from: UInt64(0x100000), to: 0x108000, by: 0x1000))).map { $0..<($0 + 0x1000) }, read: memory)
        #expect(runs.map(\.address) == pages.map(\.address) && runs.map(\.length) == pages.map(\.length))
        #expect(runs.map(\.address) == [0x1000, 0x5000, 0xF000, 0x100000])
        #expect(runs.map(\.length) == [0x2000, 0x1000, 0x1000, 0x8000])
    }

    /// 3 MiB + 12 KiB, all touched, every 300th page zero: runs longer than a read chunk (256 pages) and
    /// than the stream's 1 MiB buffer, split at the zero pages, and every byte back in its place.
    @Test func aLargeFullyTouchedGuestRoundTrips() throws {
        let ram = [RAMRange(start: 0, size: (3 << 20) + 0x3000)]
        let memory: (UInt64, Int) -> [UInt8] = { address, count in
            (0..<count).map { offset in
                let at = address + UInt64(offset)
                return (at >> 12) % 300 == 5 ? 0 : UInt8(truncatingIfNeeded: at &* 2_654_435_761 >> 7 | 1)
            }
        }
        let directory = try TemporaryDirectory()
        let path = directory.file("full.snap")
        var writer = try SnapshotFileWriter(path: path, header: SampleSnapshot.header)
        let runs = try writer.appendMemory(ram: ram, touched: [0..<UInt64.max], read: memory)
        try writer.commit()
        let pages = ram[0].size / 4096
        let zeroPages = (0..<pages).filter { $0 % 300 == 5 }.count
        #expect(runs.count == zeroPages + 1)
        #expect(runs.reduce(0) { $0 + $1.length } == (pages - UInt64(zeroPages)) * 4096)
        let file = try SnapshotFile.open(path: path, supported: [.memory: 1])
        var restored = [UInt8](repeating: 0, count: Int(ram[0].size))
        try file.readMemory(ram: ram) { _, address, bytes in
            restored.replaceSubrange(Int(address)..<(Int(address) + bytes.count), with: bytes)
        }
        #expect(restored == memory(0, restored.count))
    }

    @Test func aFailingGuestReadIsAWriterError() {
        struct Unmapped: Error {}
        let error = snapshotError { () throws(SnapshotError) in
            try SparseMemoryWriter(ram: ram).runs(touched: [0..<UInt64.max], read: { _, _ in throw Unmapped() })
        }
        #expect(error?.description == #"snapshot: writing section "MEMR": reading 65536 bytes of guest memory at 0x0: Unmapped()"#)
    }

    /// 4 GiB of RAM below and above the PCI hole, 200 KiB of it touched (scattered, non-zero): the file
    /// holds those pages and little else. Guest bytes are made up on demand, nothing of 4 GiB is allocated.
    @Test func fourGiBWithTwoHundredKiBTouchedMakesAFileOfAboutTwoHundredKiB() throws {
        let ram = [RAMRange(start: 0, size: 3 << 30), RAMRange(start: 4 << 30, size: 1 << 30)]
        let touchedPages: Set<UInt64> = Set((0..<50).map { index -> UInt64 in
            // 25 pairs of neighbouring pages spread over both ranges.
            let pair = UInt64(index / 2), base: UInt64 = pair < 20 ? pair * (150 << 20) : (4 << 30) + (pair - 20) * (200 << 20)
            return base + UInt64(index % 2) * 4096
        })
        #expect(touchedPages.count == 50)
        let pattern: (UInt64, Int) -> [UInt8] = { address, count in (0..<count).map { UInt8(truncatingIfNeeded: (address + UInt64($0)) >> 12 | 1) } }
        let directory = try TemporaryDirectory()
        let path = directory.file("big.snap")
        var writer = try SnapshotFileWriter(path: path, header: SampleSnapshot.header)
        let runs = try writer.appendMemory(ram: ram, touched: touchedPages.map { $0..<($0 + 4096) }, read: pattern)
        try writer.commit()
        #expect(runs.count == 25)
        let file = try SnapshotFile.open(path: path, supported: [.memory: 1])
        let touchedBytes: UInt64 = 200 << 10
        // File header (32 + 11 + 6), section header, run count, 25 run headers, the pages.
        #expect(file.size == 49 + 20 + 8 + 25 * 16 + touchedBytes, "file is \(file.size) bytes for \(touchedBytes) touched")
        var restored: UInt64 = 0
        try file.readMemory(ram: ram) { _, address, bytes in
            #expect(Array(bytes) == pattern(address, bytes.count))
            restored += UInt64(bytes.count)
        }
        #expect(restored == touchedBytes)
    }
}
