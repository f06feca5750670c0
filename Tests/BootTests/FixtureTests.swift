import Foundation
import Testing
import GuestMemory
@testable import Boot

/// The committed kernel built by GNU as/ld (Fixtures/README.md has the recipe and the values checked here).
@Suite struct FixtureTests {
    func fixture() throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "tiny-kernel", withExtension: "elf", subdirectory: "Fixtures"))
        return try [UInt8](Data(contentsOf: url))
    }

    @Test func parsesWhatTheGNUToolchainMade() throws {
        let bytes = try fixture(), before = bytes.map { $0 }
        let image = try ELFImage.parse(bytes, name: "tiny-kernel.elf")
        #expect(bytes == before)   // libelf reads the caller's bytes in place (LibELF) and must not write them
        #expect(!image.is64Bit)
        #expect(image.entry == 0x10000C)
        #expect(image.pvhEntry == 0x10000C)
        #expect(image.multibootHeader == MultibootHeader(fileOffset: 0x94, flags: 0x3, addressFields: nil))
        #expect(image.segments == [
            LoadSegment(index: 0, paddr: GuestAddress(0x100000), vaddr: 0x100000, offset: 0x94, filesz: 0x2C, memsz: 0x2C, flags: 5),
            LoadSegment(index: 1, paddr: GuestAddress(0x100030), vaddr: 0x100030, offset: 0xC0, filesz: 0x4, memsz: 0x1010, flags: 6),
        ])
    }

    @Test(arguments: BootProtocol.allCases)
    func loadsWithEitherProtocol(_ bootProtocol: BootProtocol) throws {
        let memory = try TestGuest.memory()
        try memory.fill(0xAA, at: GuestAddress(0x100000), count: 0x2000)
        let image = try ELFImage.parse(fixture(), name: "tiny-kernel.elf")
        let loaded = try KernelLoader.load(image, into: memory, memoryMap: TestGuest.memoryMap,
                                           reserved: TestGuest.reserved, prefer: bootProtocol)
        #expect(loaded.protocolUsed == bootProtocol)
        #expect(loaded.entryPoint == 0x10000C)
        #expect(loaded.kernelEnd == GuestAddress(0x101040))
        // mov $0x2a,%eax; out %eax,$0xf4; hlt; jmp .-1
        #expect(try memory.read(at: GuestAddress(0x10000C), count: 10) == [0xB8, 0x2A, 0, 0, 0, 0xE7, 0xF4, 0xF4, 0xEB, 0xFD])
        #expect(try memory.u32(0x100030) == 42)
        #expect(try memory.read(at: GuestAddress(0x100034), count: 0x100C).allSatisfy { $0 == 0 })
    }
}
