import Devices
import GuestMemory
import Testing
@testable import Machine

/// The kernel-entry port's exit routing and descriptor checks; the register switch itself runs in every
/// suite kernel's report lines (and SwiftVMCLITests compares them with and without the port).
@Suite struct KernelEntryTests {
    let bus = IOBus()

    private func descriptorMemory(_ fields: (magic: UInt32, version: UInt32, entry: UInt64, cs: UInt16, ss: UInt16),
                                  at address: UInt64 = 0x1000) throws -> GuestMemory {
        let memory = try GuestMemory(ranges: [GuestRange(start: GuestAddress(0), size: 0x2000)!])
        try memory.write(fields.magic, at: GuestAddress(address))
        try memory.write(fields.version, at: GuestAddress(address + 4))
        try memory.write(fields.entry, at: GuestAddress(address + 8))
        try memory.write(fields.cs, at: GuestAddress(address + 16))
        try memory.write(fields.ss, at: GuestAddress(address + 18))
        return memory
    }

    @Test func aThirtyTwoBitOutIsAnEntryAndAThirtyTwoBitInIsTheProbe() {
        let dispatcher = ExitDispatcher(bus: bus, strictIO: true, kernelEntryPort: KernelEntryGate.port)
        #expect(dispatcher.handle(.ioOut(port: 0xED0, size: 4, data: [0x60, 0xC0, 0x10, 0x00]), cpu: 0)
                == .enterKernel(descriptor: 0x10_C060))
        #expect(dispatcher.answering(.ioIn(port: 0xED0, size: 4, count: 1), cpu: 0) == (.answeredIO, [0x53, 0x56, 0x4B, 0x45]))
    }

    @Test func otherWidthsAndRunsWithoutThePortGoToTheBus() {
        let with = ExitDispatcher(bus: IOBus(), strictIO: false, kernelEntryPort: KernelEntryGate.port)
        #expect(with.handle(.ioOut(port: 0xED0, size: 1, data: [1]), cpu: 0) == .resume)
        #expect(with.answering(.ioIn(port: 0xED0, size: 1, count: 1), cpu: 0) == (.answeredIO, [0xFF]))
        let without = ExitDispatcher(bus: IOBus(), strictIO: false)
        #expect(without.handle(.ioOut(port: 0xED0, size: 4, data: [0, 0x10, 0, 0]), cpu: 0) == .resume)
        #expect(without.answering(.ioIn(port: 0xED0, size: 4, count: 1), cpu: 0) == (.answeredIO, [0xFF, 0xFF, 0xFF, 0xFF]))
        #expect(with.unassignedAccesses == 2 && without.unassignedAccesses == 2)
    }

    @Test func aGoodDescriptorIsRead() throws {
        let memory = try descriptorMemory((0x444B_5653, 1, 0x10_4AFC, 0x18, 0x10))
        let descriptor = try #require(KernelEntryDescriptor(in: memory, at: GuestAddress(0x1000)))
        #expect(descriptor.entry == 0x10_4AFC && descriptor.codeSelector == 0x18 && descriptor.stackSelector == 0x10)
    }

    @Test(arguments: [
        (UInt32(0x444B_5654), UInt32(1), UInt64(0x10_0000), UInt16(0x18), UInt16(0x10)),    // magic
        (0x444B_5653, 2, 0x10_0000, 0x18, 0x10),                                             // version
        (0x444B_5653, 1, 0x0000_8000_0000_0000, 0x18, 0x10),                                 // non-canonical entry
        (0x444B_5653, 1, 0x10_0000, 0x3, 0x10),                                              // null code selector
        (0x444B_5653, 1, 0x10_0000, 0x18, 0x0),                                              // null stack selector
    ])
    func aBadDescriptorIsRefused(magic: UInt32, version: UInt32, entry: UInt64, cs: UInt16, ss: UInt16) throws {
        let memory = try descriptorMemory((magic, version, entry, cs, ss))
        #expect(KernelEntryDescriptor(in: memory, at: GuestAddress(0x1000)) == nil)
    }

    @Test func aDescriptorOutsideOrAcrossTheEndOfRAMIsRefused() throws {
        // Valid in every field that fits: the 20 bytes that matter below the end of RAM, the reserved word past it.
        let acrossTheEnd = try descriptorMemory((0x444B_5653, 1, 0x10_0000, 0x18, 0x10), at: 0x2000 - 20)
        #expect(KernelEntryDescriptor(in: acrossTheEnd, at: GuestAddress(0x2000 - 20)) == nil)
        #expect(KernelEntryDescriptor(in: acrossTheEnd, at: GuestAddress(0xFFFF_FFF0)) == nil)
        #expect(KernelEntryDescriptor(in: acrossTheEnd, at: GuestAddress(UInt64.max - 3)) == nil)
        // The same descriptor one word lower is whole, and read.
        let inside = try descriptorMemory((0x444B_5653, 1, 0x10_0000, 0x18, 0x10), at: 0x2000 - 24)
        #expect(KernelEntryDescriptor(in: inside, at: GuestAddress(0x2000 - 24)) != nil)
    }
}
