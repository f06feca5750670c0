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
}
