import Testing
import GuestMemory
@testable import Boot

@Suite struct KernelLoaderTests {
    let kernel = ELFWriter().with {
        $0.segments = [
            .init(paddr: 0x100000, data: ELFWriter.code),
            .init(paddr: 0x101000, data: [1, 2, 3, 4], memsz: 0x1800, flags: 6),
        ]
        $0.pvhEntry = 0x100000
    }

    func load(_ writer: ELFWriter, prefer: BootProtocol? = nil, into memory: GuestMemory? = nil) throws -> LoadedKernel {
        let image = try ELFImage.parse(writer.build(), name: "hello.elf")
        return try KernelLoader.load(image, into: memory ?? TestGuest.memory(), memoryMap: TestGuest.memoryMap,
                                     reserved: TestGuest.reserved, prefer: prefer)
    }

    func expectLoadError(_ expected: LoadError, _ writer: ELFWriter, prefer: BootProtocol? = nil) {
        #expect(throws: expected) { try load(writer, prefer: prefer) }
        #expect(expected.description.hasPrefix("hello.elf: "))
    }

    @Test func pvhIsPreferredWhenBothArePresent() throws {
        let loaded = try load(kernel)
        #expect(loaded.protocolUsed == .pvh)
        #expect(loaded.entryPoint == 0x100000)
        #expect(loaded.kernelEnd == GuestAddress(0x102800))
        #expect(loaded.loadedRanges == [range(0x100000, 8), range(0x101000, 0x1800)])
    }

    @Test func multibootWhenPreferred() throws {
        let loaded = try load(kernel.with { $0.entry = 0x100004 }, prefer: .multiboot)
        #expect(loaded.protocolUsed == .multiboot)
        #expect(loaded.entryPoint == 0x100004)
    }

    @Test func preferenceFallsBackToWhatTheImageHas() throws {
        #expect(try load(kernel.with { $0.pvhEntry = nil }, prefer: .pvh).protocolUsed == .multiboot)
        #expect(try load(kernel.with { $0.multibootFlags = nil }, prefer: .multiboot).protocolUsed == .pvh)
    }

    @Test func bytesLandAtPaddrAndBssIsZero() throws {
        let memory = try TestGuest.memory()
        try memory.fill(0xAA, at: GuestAddress(0x100000), count: 0x3000)   // stale bytes the loader must clear
        _ = try load(kernel, into: memory)
        #expect(try memory.read(at: GuestAddress(0x100000), count: 8) == ELFWriter.code)
        #expect(try memory.read(at: GuestAddress(0x101000), count: 4) == [1, 2, 3, 4])
        #expect(try memory.read(at: GuestAddress(0x101004), count: 0x17FC).allSatisfy { $0 == 0 })
        #expect(try memory.read(UInt8.self, at: GuestAddress(0x102800)) == 0xAA, "nothing past memsz is touched")
    }

    @Test func elf64Loads() throws {
        let loaded = try load(kernel.with { $0.is64Bit = true })
        #expect(loaded.image.is64Bit)
        #expect(loaded.protocolUsed == .pvh)
    }

    @Test func multibootEntryIsTranslatedFromVirtualToPhysical() throws {
        let higherHalf = kernel.with {
            $0.segments[0].vaddr = 0xC010_0000
            $0.entry = 0xC010_0004
            $0.pvhEntry = nil
        }
        #expect(try load(higherHalf).entryPoint == 0x100004)
    }

    @Test func segmentBeyondTheTopOfRAM() {
        let writer = kernel.with { $0.segments[1] = .init(paddr: 0x7FF000, data: [1], memsz: 0x2000) }
        let expected = LoadError.segmentBeyondRAM(name: "hello.elf", index: 1, range: range(0x7FF000, 0x2000),
                                                  ramTop: GuestAddress(8 << 20))
        expectLoadError(expected, writer)
        #expect(expected.description == "hello.elf: segment 1 [0x7ff000, 0x801000) ends beyond guest RAM (8 MiB); raise --memory")
    }

    @Test func segmentInTheLegacyHole() {
        expectLoadError(.segmentNotInRAM(name: "hello.elf", index: 1, range: range(0x9F000, 0x2000)),
                        kernel.with { $0.segments[1] = .init(paddr: 0x9F000, data: [1], memsz: 0x2000) })
    }

    @Test func segmentOverTheBootInfoArea() {
        expectLoadError(.segmentOverlapsReserved(name: "hello.elf", index: 1, range: range(0x6000, 0x2000),
                                                 reserved: TestGuest.bootInfo),
                        kernel.with { $0.segments[1] = .init(paddr: 0x6000, data: [1], memsz: 0x2000) })
    }

    @Test func segmentOverTheZeroPage() {
        expectLoadError(.segmentOverlapsReserved(name: "hello.elf", index: 1, range: range(0x800, 0x10),
                                                 reserved: TestGuest.zeroPage),
                        kernel.with { $0.segments[1] = .init(paddr: 0x800, data: [1], memsz: 0x10) })
    }

    @Test func noProtocol() {
        let expected = LoadError.noBootProtocol(name: "hello.elf")
        expectLoadError(expected, kernel.with { $0.pvhEntry = nil; $0.multibootFlags = nil })
        #expect(expected.description == "hello.elf: neither a PVH note nor a Multiboot header; cannot boot")
    }

    @Test func entryOutsideTheLoadedSegments() {
        expectLoadError(.entryOutsideImage(name: "hello.elf", protocolUsed: .pvh, entry: 0x500000),
                        kernel.with { $0.pvhEntry = 0x500000 })
        expectLoadError(.entryOutsideImage(name: "hello.elf", protocolUsed: .multiboot, entry: 0x200000),
                        kernel.with { $0.entry = 0x200000 }, prefer: .multiboot)
    }

    @Test func multibootVideoModeRequirementIsRefused() {
        expectLoadError(.unsupportedMultibootRequirements(name: "hello.elf", flags: 0x7, unsupported: 0x4),
                        kernel.with { $0.multibootFlags = 0x7 }, prefer: .multiboot)
    }

    @Test func nothingIsWrittenWhenAnySegmentIsRefused() throws {
        let memory = try TestGuest.memory()
        let writer = kernel.with { $0.segments[1] = .init(paddr: 0x7FF000, data: [1], memsz: 0x2000) }
        #expect(throws: LoadError.self) { try load(writer, into: memory) }
        #expect(try memory.read(at: GuestAddress(0x100000), count: 8).allSatisfy { $0 == 0 })
    }

    @Test func aMapThatPromisesMoreRAMThanExistsIsAMemoryError() throws {
        let memory = try GuestMemory(ranges: [range(0, 1 << 20)])
        let image = try ELFImage.parse(kernel.build(), name: "hello.elf")
        #expect(throws: LoadError.memory(name: "hello.elf", error: .outOfRange(address: GuestAddress(0x100000), length: 8))) {
            try KernelLoader.load(image, into: memory, memoryMap: TestGuest.memoryMap, reserved: TestGuest.reserved, prefer: nil)
        }
    }
}

@Suite struct BootConfiguratorTests {
    @Test func registersPerProtocol() throws {
        let image = try ELFImage.parse(ELFWriter().build(), name: "k.elf")
        let pvh = LoadedKernel(image: image, protocolUsed: .pvh, entryPoint: 0x100000, kernelEnd: GuestAddress(0x102000),
                               loadedRanges: [range(0x100000, 0x2000)])
        #expect(BootConfigurator.entryState(for: pvh, bootInfoAddress: 0x1000)
            == EntryState(protocolUsed: .pvh, eip: 0x100000, eax: 0, ebx: 0x1000))
        let multiboot = LoadedKernel(image: image, protocolUsed: .multiboot, entryPoint: 0x100010,
                                     kernelEnd: GuestAddress(0x102000), loadedRanges: [range(0x100000, 0x2000)])
        #expect(BootConfigurator.entryState(for: multiboot, bootInfoAddress: 0x1000)
            == EntryState(protocolUsed: .multiboot, eip: 0x100010, eax: 0x2BAD_B002, ebx: 0x1000))
    }
}

@Suite struct ModulePlacerTests {
    @Test func topOfRAMPageAligned() throws {
        let placed = try ModulePlacer.place(size: 0x1234, memoryMap: TestGuest.memoryMap, above: GuestAddress(0x102800))
        #expect(placed == range(0x7FE000, 0x1234))
        #expect(placed.start.rawValue % 4096 == 0)
    }

    @Test func staysBelow4GiBWhenRAMContinuesAbove() throws {
        let map = [
            MemoryMapEntry(range: range(0x100000, (3 << 30) - 0x100000), kind: .ram),
            MemoryMapEntry(range: range(3 << 30, 1 << 30), kind: .reserved),
            MemoryMapEntry(range: range(4 << 30, 2 << 30), kind: .ram),
        ]
        let placed = try ModulePlacer.place(size: 10 << 20, memoryMap: map, above: GuestAddress(0x200000))
        #expect(placed == range((3 << 30) - (10 << 20), 10 << 20))
    }

    @Test func ramStraddling4GiBIsUsedOnlyBelowIt() throws {
        let map = [MemoryMapEntry(range: range(0x100000, 5 << 30), kind: .ram)]
        let placed = try ModulePlacer.place(size: 0x1800, memoryMap: map, above: GuestAddress(0x200000))
        #expect(placed == range((4 << 30) - 0x2000, 0x1800))
    }

    @Test func refusesWhatDoesNotFit() {
        let expected = LoadError.moduleDoesNotFit(size: 8 << 20, above: GuestAddress(0x102800))
        #expect(throws: expected) {
            try ModulePlacer.place(size: 8 << 20, memoryMap: TestGuest.memoryMap, above: GuestAddress(0x102800))
        }
        #expect(expected.description.contains("raise --memory"))
        // Fits in RAM, but not above the kernel.
        #expect(throws: LoadError.self) {
            try ModulePlacer.place(size: 0x2000, memoryMap: TestGuest.memoryMap, above: GuestAddress(0x7FF000))
        }
        #expect(throws: LoadError.self) {
            try ModulePlacer.place(size: 1, memoryMap: TestGuest.memoryMap, above: GuestAddress(UInt64.max))
        }
    }

    @Test func neverUsesReservedRanges() throws {
        // Only low RAM is free above `above`; the legacy hole must not be used.
        let placed = try ModulePlacer.place(size: 0x1000, memoryMap: Array(TestGuest.memoryMap.prefix(2)),
                                            above: GuestAddress(0x7000))
        #expect(placed == range(0x9E000, 0x1000))
    }
}
