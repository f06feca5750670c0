import Boot
import GuestMemory
import Testing
@testable import Machine

@Suite struct GuestMemoryLayoutTests {
    @Test func smallGuestsHaveOneRAMSlotAndAPCLikeMap() throws {
        let layout = try GuestMemoryLayout(ramSize: 64 << 20)
        #expect(layout.ramRanges == [GuestRange(start: GuestAddress(0), size: 64 << 20)!])
        #expect(layout.memoryMap.map(\.kind) == [.ram, .reserved, .ram])
        #expect(layout.memoryMap[0].range.end == GuestAddress(0x9_FC00))
        #expect(layout.memoryMap[1].range.end == GuestAddress(0x10_0000))
        #expect(layout.memoryMap[2].range.end == GuestAddress(64 << 20))
    }

    @Test func largeGuestsSkipThePCIHole() throws {
        let layout = try GuestMemoryLayout(ramSize: 8 << 30)
        #expect(layout.ramRanges == [GuestRange(start: GuestAddress(0), size: 3 << 30)!,
                                     GuestRange(start: GuestAddress(4 << 30), size: 5 << 30)!])
        #expect(layout.memoryMap.last == MemoryMapEntry(range: GuestRange(start: GuestAddress(4 << 30), size: 5 << 30)!, kind: .ram))
        // Nothing the guest is told about lies in [3 GiB, 4 GiB).
        let hole = GuestRange(start: GuestAddress(3 << 30), size: 1 << 30)!
        #expect(!layout.memoryMap.contains { $0.range.overlaps(hole) })
    }

    @Test func exactlyThreeGiBNeedsNoHighSlot() throws {
        #expect(try GuestMemoryLayout(ramSize: 3 << 30).ramRanges.count == 1)
    }

    @Test func loaderMayNotTouchZeroPageBootInfoOrLegacyHole() throws {
        let reserved = try GuestMemoryLayout(ramSize: 64 << 20).loaderReserved
        #expect(reserved.contains { $0.start == GuestAddress(0) })
        #expect(reserved.contains { $0.contains(GuestRange(start: GuestAddress(0x1000), size: 0x6000)!) })
        #expect(reserved.contains { $0.contains(GuestRange(start: GuestAddress(0xA0000), size: 0x60000)!) })
    }

    @Test func refusesSizesOutsideTheSupportedRange() {
        #expect(throws: MachineError.self) { try GuestMemoryLayout(ramSize: 1 << 20) }
        #expect(throws: MachineError.self) { try GuestMemoryLayout(ramSize: (64 << 20) + 1) }
        #expect(throws: MachineError.self) { try GuestMemoryLayout(ramSize: 2 << 40) }
        let error = MachineError.badMemorySize(1 << 20, minimum: 4 << 20, maximum: 1 << 40)
        #expect(error.description == "guest memory 1 MiB is outside the supported 4 MiB–1 TiB")
    }
}
