import Testing
@testable import GuestMemory

@Suite struct GuestMemoryTests {
    let low = GuestRange(start: GuestAddress(0), size: 2 << 20)!
    let high = GuestRange(start: GuestAddress(4 << 30), size: 1 << 20)!

    @Test func readsBackWhatWasWrittenInEveryRegion() throws {
        let memory = try GuestMemory(ranges: [high, low])
        try memory.write([1, 2, 3], at: GuestAddress(0x1000))
        try memory.write(UInt32(0xDEADBEEF), at: GuestAddress((4 << 30) + 8))
        #expect(try memory.read(at: GuestAddress(0x1000), count: 3) == [1, 2, 3])
        #expect(try memory.read(UInt32.self, at: GuestAddress((4 << 30) + 8)) == 0xDEADBEEF)
        // Little-endian on the guest side, whatever the host.
        #expect(try memory.read(at: GuestAddress((4 << 30) + 8), count: 4) == [0xEF, 0xBE, 0xAD, 0xDE])
        #expect(memory.totalSize == 3 << 20)
        #expect(memory.ranges.map(\.start) == [GuestAddress(0), GuestAddress(4 << 30)])
    }

    @Test func freshMemoryIsZero() throws {
        let memory = try GuestMemory(ranges: [low])
        #expect(try memory.read(at: GuestAddress(0x1F_F000), count: 4096).allSatisfy { $0 == 0 })
    }

    @Test func accessesStraddlingTheEndOrAHoleAreErrors() throws {
        let memory = try GuestMemory(ranges: [low, high])
        let end = GuestAddress(2 << 20)
        #expect(throws: GuestMemoryError.outOfRange(address: GuestAddress(end.rawValue - 2), length: 4)) {
            try memory.write(UInt32(1), at: GuestAddress(end.rawValue - 2))
        }
        #expect(throws: GuestMemoryError.outOfRange(address: end, length: 1)) {
            _ = try memory.read(at: end, count: 1)
        }
        #expect(!memory.contains(GuestAddress(3 << 30), length: 1))
        #expect(memory.contains(GuestAddress(end.rawValue - 4), length: 4))
    }

    @Test func wrappingRangesAreRejectedNotTrapped() throws {
        let memory = try GuestMemory(ranges: [low])
        #expect(throws: GuestMemoryError.addressOverflow(address: GuestAddress(UInt64.max - 1), length: 4)) {
            _ = try memory.read(UInt32.self, at: GuestAddress(UInt64.max - 1))
        }
        #expect(throws: GuestMemoryError.self) {
            try memory.fill(0xFF, at: GuestAddress(0x100), count: UInt64.max)
        }
    }

    @Test func fillWritesTheWholeRange() throws {
        let memory = try GuestMemory(ranges: [low])
        try memory.fill(0xAA, at: GuestAddress(0x10), count: 16)
        #expect(try memory.read(at: GuestAddress(0xF), count: 18) == [0] + Array(repeating: 0xAA, count: 16) + [0])
    }

    /// Zeroing drops whole pages (MADV_DONTNEED) and writes the partial ones at either end.
    @Test(arguments: [(0x1234, 0x5000), (0x1000, 0x3000), (0x1FF0, 0x20), (0x10, 0x10)])
    func zeroFillClearsExactlyItsRange(start: Int, count: Int) throws {
        let memory = try GuestMemory(ranges: [low])
        try memory.fill(0x5A, at: GuestAddress(0), count: 0x8000)
        try memory.fill(0, at: GuestAddress(UInt64(start)), count: UInt64(count))
        let bytes = try memory.read(at: GuestAddress(0), count: 0x8000)
        let zeroed = (0..<bytes.count).filter { bytes[$0] == 0 }
        #expect(zeroed == Array(start..<(start + count)))
    }

    @Test func badLayoutsAreRefused() {
        #expect(throws: GuestMemoryError.self) { try GuestMemory(ranges: []) }
        #expect(throws: GuestMemoryError.self) {
            try GuestMemory(ranges: [GuestRange(start: GuestAddress(0x800), size: 4096)!])
        }
        #expect(throws: GuestMemoryError.self) {
            try GuestMemory(ranges: [low, GuestRange(start: GuestAddress(1 << 20), size: 4 << 20)!])
        }
    }

    @Test func slotsDescribeEveryRegionInOrder() throws {
        let memory = try GuestMemory(ranges: [high, low])
        let slots = memory.slots
        #expect(slots.map(\.index) == [0, 1])
        #expect(slots.map(\.guestRange) == [low, high])
        #expect(slots.allSatisfy { $0.hostAddress != 0 && $0.hostAddress % GuestMemory.pageSize == 0 })
    }

    @Test func largeGuestsCostNothingUntilTouched() throws {
        // 64 GiB of address space must map instantly and lazily (MAP_NORESERVE).
        let memory = try GuestMemory(ranges: [GuestRange(start: GuestAddress(0), size: 64 << 30)!])
        try memory.write(UInt8(7), at: GuestAddress((64 << 30) - 1))
        #expect(try memory.read(UInt8.self, at: GuestAddress((64 << 30) - 1)) == 7)
    }

    @Test func addressArithmeticIsChecked() {
        #expect(GuestAddress(UInt64.max).adding(1) == nil)
        #expect(GuestAddress(0x1001).alignedUp(to: 0x1000) == GuestAddress(0x2000))
        #expect(GuestAddress(UInt64.max).alignedUp(to: 0x1000) == nil)
        #expect(GuestAddress(5).offset(from: GuestAddress(7)) == nil)
        #expect(GuestRange(start: GuestAddress(UInt64.max), size: 2) == nil)
    }

    /// The mincore vector read 8 bytes at a time: runs that start and end inside a word, across words,
    /// at the vector's ends, in a tail shorter than a word; only bit 0 of each byte counts.
    @Test func residentRunsFollowBitZeroOfTheVector() {
        var vector = [UInt8](repeating: 0, count: 37)
        for page in [0, 1, 2, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 30, 35, 36] { vector[page] = 1 }
        vector[20] = 0xFE  // undefined bits, not resident
        vector[3] = 0x81
        #expect(ResidentPages.runs(vector) == [0..<4, 7..<18, 30..<31, 35..<37])
        #expect(ResidentPages.runs([UInt8](repeating: 1, count: 64)) == [0..<64])
        #expect(ResidentPages.runs([UInt8](repeating: 0, count: 64)).isEmpty)
        #expect(ResidentPages.runs([]).isEmpty)
    }

    /// Written pages come back as ranges of guest addresses, per region, in order, agreeing with `count`.
    /// (The kernel may back more than the written pages, e.g. a transparent huge page: not asserted.)
    @Test func residentRangesHoldTheWrittenPages() throws {
        let memory = try GuestMemory(ranges: [high, low])
        let written: [UInt64] = [0x3000, 0x4FFF, (4 << 30) + 0x1000]
        for address in written { try memory.write([1], at: GuestAddress(address)) }
        let resident = memory.residentPages()
        let ranges = resident.ranges
        for address in written { #expect(ranges.contains { $0.contains(address) }, "\(address)") }
        for (earlier, later) in zip(ranges, ranges.dropFirst()) { #expect(earlier.upperBound <= later.lowerBound) }
        for range in ranges {
            #expect(range.lowerBound % 4096 == 0 && range.upperBound % 4096 == 0 && !range.isEmpty)
            #expect([low, high].contains { $0.start.rawValue <= range.lowerBound && range.upperBound <= $0.end.rawValue })
        }
        #expect(ranges.reduce(0) { $0 + ($1.upperBound - $1.lowerBound) } == UInt64(resident.count) * 4096)
    }
}
