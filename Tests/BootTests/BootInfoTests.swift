import Testing
import GuestMemory
@testable import Boot

let area = BootInfoArea.standard
let initrd = BootModule(range: range(0x7FE000, 0x1234), commandLine: "initrd")
let extra = BootModule(range: range(0x700000, 0x10), commandLine: "")

/// Every pointer a writer hands out must land inside the area.
func inArea(_ address: UInt64, length: UInt64 = 1) -> Bool {
    area.range.contains(GuestRange(start: GuestAddress(address), size: length) ?? area.range)
        && address >= area.range.start.rawValue
}

@Suite struct PVHBootInfoTests {
    @Test func everyFieldReadsBack() throws {
        let memory = try TestGuest.memory()
        let info = UInt64(try PVHBootInfo.write(into: memory, area: area, commandLine: "console=ttyS0", modules: [initrd, extra],
                                                memoryMap: TestGuest.memoryMap, rsdp: GuestAddress(0xE0000)))
        #expect(info == 0x1000)
        #expect(try memory.u32(info) == 0x336E_C578)
        #expect(try memory.u32(info + 4) == 1)
        #expect(try memory.u32(info + 8) == 0)
        #expect(try memory.u32(info + 12) == 2)
        let modules = try memory.u64(info + 16)
        let commandLine = try memory.u64(info + 24)
        #expect(try memory.u64(info + 32) == 0xE0000)
        let map = try memory.u64(info + 40)
        #expect(try memory.u32(info + 48) == 3)
        #expect(try memory.u32(info + 52) == 0)

        #expect(inArea(modules, length: 64) && modules % 8 == 0 && modules >= info + 56)
        #expect(inArea(map, length: 72) && map % 8 == 0)
        #expect(inArea(commandLine))
        #expect(try memory.string(commandLine) == "console=ttyS0")

        #expect(try memory.u64(modules) == 0x7FE000)
        #expect(try memory.u64(modules + 8) == 0x1234)
        #expect(try memory.string(memory.u64(modules + 16)) == "initrd")
        #expect(inArea(try memory.u64(modules + 16)))
        #expect(try memory.u64(modules + 24) == 0)
        #expect(try memory.u64(modules + 32) == 0x700000)
        #expect(try memory.u64(modules + 40) == 0x10)
        #expect(try memory.string(memory.u64(modules + 48)) == "")

        for (index, entry) in TestGuest.memoryMap.enumerated() {
            let at = map + UInt64(index) * 24
            #expect(try memory.u64(at) == entry.range.start.rawValue)
            #expect(try memory.u64(at + 8) == entry.range.size)
            #expect(try memory.u32(at + 16) == entry.kind.rawValue)
            #expect(try memory.u32(at + 20) == 0)
        }
    }

    @Test func absentThingsAreZero() throws {
        let memory = try TestGuest.memory()
        let info = UInt64(try PVHBootInfo.write(into: memory, area: area, commandLine: "", modules: [],
                                                memoryMap: TestGuest.memoryMap, rsdp: nil))
        #expect(try memory.u32(info + 12) == 0)
        #expect(try memory.u64(info + 16) == 0)
        #expect(try memory.u64(info + 32) == 0)
        #expect(try memory.string(memory.u64(info + 24)) == "")
    }

    @Test func staysInsideItsArea() throws {
        let memory = try TestGuest.memory()
        try memory.fill(0xAA, at: GuestAddress(0), count: 0x8000)
        let small = BootInfoArea(range: range(0x2000, 0x200))
        _ = try PVHBootInfo.write(into: memory, area: small, commandLine: "x", modules: [initrd],
                                  memoryMap: TestGuest.memoryMap, rsdp: nil)
        #expect(try memory.read(UInt8.self, at: GuestAddress(0x1FFF)) == 0xAA)
        #expect(try memory.read(at: GuestAddress(0x2200), count: 0x100).allSatisfy { $0 == 0xAA })
    }

    @Test func tooManyMapEntriesDoNotFit() throws {
        let map = (0..<2000).map { MemoryMapEntry(range: range(UInt64($0) << 20, 1 << 20), kind: .ram) }
        #expect {
            try PVHBootInfo.write(into: TestGuest.memory(), area: area, commandLine: "", modules: [], memoryMap: map, rsdp: nil)
        } throws: { error in
            guard case let .doesNotFit(_, needed, where_)? = error as? BootInfoError else { return false }
            return needed > area.range.size && where_ == area.range
        }
    }

    @Test func commandLineLimits() throws {
        let memory = try TestGuest.memory()
        let expected = BootInfoError.commandLineTooLong(bytes: 3000, limit: 2047)
        #expect(throws: expected) {
            try PVHBootInfo.write(into: memory, area: area, commandLine: String(repeating: "a", count: 3000), modules: [],
                                  memoryMap: [], rsdp: nil)
        }
        #expect(expected.description == "command line is 3000 bytes; the limit is 2047")
        let longest = String(repeating: "b", count: 2047)
        let info = UInt64(try PVHBootInfo.write(into: memory, area: area, commandLine: longest, modules: [], memoryMap: [], rsdp: nil))
        #expect(try memory.string(memory.u64(info + 24)) == longest)
        #expect(throws: BootInfoError.commandLineContainsNUL(offset: 3)) {
            try PVHBootInfo.write(into: memory, area: area, commandLine: "abc\0def", modules: [], memoryMap: [], rsdp: nil)
        }
    }

    @Test func areaMustBeBelow4GiBAndInRAM() throws {
        let high = BootInfoArea(range: range((4 << 30) - 0x1000, 0x2000))
        #expect(throws: BootInfoError.areaAbove4GiB(area: high.range)) {
            try PVHBootInfo.write(into: TestGuest.memory(), area: high, commandLine: "", modules: [], memoryMap: [], rsdp: nil)
        }
        let beyondRAM = BootInfoArea(range: range(16 << 20, 0x1000))
        #expect(throws: BootInfoError.memory(.outOfRange(address: GuestAddress(16 << 20), length: 57))) {
            try PVHBootInfo.write(into: TestGuest.memory(), area: beyondRAM, commandLine: "", modules: [], memoryMap: [], rsdp: nil)
        }
    }
}

@Suite struct MultibootInfoTests {
    @Test func everyFieldReadsBack() throws {
        let memory = try TestGuest.memory()
        let info = UInt64(try MultibootInfo.write(into: memory, area: area, commandLine: "console=ttyS0 quiet",
                                                  modules: [initrd, extra], memoryMap: TestGuest.memoryMap))
        #expect(info == 0x1000)
        #expect(try memory.u32(info) == 0b100_1101)          // bits 0, 2, 3, 6
        #expect(try memory.u32(info + 4) == 639)              // [0, 0x9FC00)
        #expect(try memory.u32(info + 8) == 7 * 1024)         // [1 MiB, 8 MiB)
        #expect(try memory.u32(info + 12) == 0)               // no boot device
        let commandLine = UInt64(try memory.u32(info + 16))
        #expect(inArea(commandLine))
        #expect(try memory.string(commandLine) == "console=ttyS0 quiet")
        #expect(try memory.u32(info + 20) == 2)
        let modules = UInt64(try memory.u32(info + 24))
        #expect(inArea(modules, length: 32) && modules >= info + 116)
        #expect(try memory.read(at: GuestAddress(info + 28), count: 16).allSatisfy { $0 == 0 })   // no symbols
        #expect(try memory.u32(info + 44) == 3 * 24)
        let map = UInt64(try memory.u32(info + 48))
        #expect(inArea(map, length: 72))
        #expect(try memory.read(at: GuestAddress(info + 52), count: 64).allSatisfy { $0 == 0 })   // drives .. framebuffer

        #expect(try memory.u32(modules) == 0x7FE000)
        #expect(try memory.u32(modules + 4) == 0x7FF234)
        #expect(try memory.string(UInt64(memory.u32(modules + 8))) == "initrd")
        #expect(try memory.u32(modules + 12) == 0)
        #expect(try memory.u32(modules + 16) == 0x700000)
        #expect(try memory.u32(modules + 20) == 0x700010)

        for (index, entry) in TestGuest.memoryMap.enumerated() {
            let at = map + UInt64(index) * 24
            #expect(try memory.u32(at) == 20)
            #expect(try memory.u64(at + 4) == entry.range.start.rawValue)
            #expect(try memory.u64(at + 12) == entry.range.size)
            #expect(try memory.u32(at + 20) == entry.kind.rawValue)
        }
    }

    @Test func memLowerAndUpperFollowTheMap() {
        #expect(MultibootInfo.memorySizes(TestGuest.memoryMap) == (639, 7168))
        // RAM from 0 past 640 KiB counts only up to 640 KiB; adjacent entries from 1 MiB join up to the first gap.
        let map = [
            MemoryMapEntry(range: range(0, 2 << 20), kind: .ram),
            MemoryMapEntry(range: range(2 << 20, 1 << 20), kind: .ram),
            MemoryMapEntry(range: range(4 << 20, 4 << 20), kind: .ram),
        ]
        #expect(MultibootInfo.memorySizes(map) == (640, 2048))
        #expect(MultibootInfo.memorySizes([]) == (0, 0))
    }

    @Test func modulesMustEndBelow4GiB() {
        let high = BootModule(range: range(0xFFFF_F000, 0x1000), commandLine: "")
        #expect(throws: BootInfoError.moduleAbove4GiB(index: 1, range: high.range)) {
            try MultibootInfo.write(into: TestGuest.memory(), area: area, commandLine: "", modules: [initrd, high],
                                    memoryMap: TestGuest.memoryMap)
        }
    }

    @Test func tooManyMapEntriesDoNotFit() {
        let map = (0..<1100).map { MemoryMapEntry(range: range(UInt64($0) << 20, 1 << 20), kind: .ram) }
        #expect(throws: BootInfoError.self) {
            try MultibootInfo.write(into: TestGuest.memory(), area: area, commandLine: "", modules: [], memoryMap: map)
        }
    }

    @Test func longCommandLinesAndNamesThatDoNotFitAreRefused() throws {
        #expect(throws: BootInfoError.commandLineTooLong(bytes: 2048, limit: 2047)) {
            try MultibootInfo.write(into: TestGuest.memory(), area: area, commandLine: String(repeating: "a", count: 2048),
                                    modules: [], memoryMap: [])
        }
        let small = BootInfoArea(range: range(0x1000, 128))
        let named = BootModule(range: range(0x700000, 1), commandLine: String(repeating: "m", count: 100))
        #expect(throws: BootInfoError.doesNotFit(what: "Multiboot info with 1 modules, 0 memory-map entries and the command lines",
                                                 needed: 116 + 4 + 16 + 1 + 101, area: small.range)) {
            try MultibootInfo.write(into: TestGuest.memory(), area: small, commandLine: "", modules: [named], memoryMap: [])
        }
    }
}
