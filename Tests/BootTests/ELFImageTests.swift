import Testing
import GuestMemory
@testable import Boot

/// One malformed file and the exact error it must produce.
struct Malformed: Sendable, CustomTestStringConvertible {
    let label: String
    let bytes: [UInt8]
    let expected: ELFError
    var testDescription: String { label }

    init(_ label: String, _ bytes: [UInt8], _ expected: ELFError) {
        self.label = label
        self.bytes = bytes
        self.expected = expected
    }
}

let good = ELFWriter()
let good64 = ELFWriter().with { $0.is64Bit = true }
let name = "hello.elf"

let malformedFiles: [Malformed] = [
    Malformed("empty file", [], .emptyFile(name: name)),
    Malformed("not ELF at all", Array("#!/bin/sh\necho hi\n".utf8), .notELF(name: name)),
    Malformed("truncated header", Array(good.build().prefix(40)), .truncatedHeader(name: name, fileSize: 40, needed: 52)),
    Malformed("truncated ELF64 header", Array(good64.build().prefix(60)), .truncatedHeader(name: name, fileSize: 60, needed: 64)),
    Malformed("unknown class", good.with { $0.elfClass = 3 }.build(), .unsupportedClass(name: name, elfClass: 3)),
    Malformed("big-endian", good.with { $0.encoding = 2 }.build(), .notLittleEndian(name: name, encoding: 2)),
    Malformed("wrong machine", good.with { $0.machine = 40 }.build(), .wrongMachine(name: name, machine: 40)),
    Malformed("wrong class: x32", good.with { $0.machine = 62 }.build(), .classMismatch(name: name, is64Bit: false, machine: 62)),
    Malformed("wrong class: ELF64 i386", good64.with { $0.machine = 3 }.build(), .classMismatch(name: name, is64Bit: true, machine: 3)),
    Malformed("shared object", good.with { $0.type = 3 }.build(), .notExecutable(name: name, type: 3)),
    Malformed("truncated program headers", Array(good.build().prefix(52 + 40)),
              .truncatedProgramHeaders(name: name, offset: 52, count: 2, entrySize: 32, fileSize: 92)),
    Malformed("program headers beyond EOF", good.with { $0.phoff = 0xFFFF_FFF0 }.build(),
              .truncatedProgramHeaders(name: name, offset: 0xFFFF_FFF0, count: 2, entrySize: 32, fileSize: good.build().count)),
    Malformed("odd program header size", good.with { $0.phentsize = 40 }.build(),
              .badProgramHeaderSize(name: name, entrySize: 40, expected: 32)),
    Malformed("segment file range beyond EOF", good.with { $0.segments[0].filesz = 0x1000 }.build(),
              .segmentBeyondFile(name: name, index: 0, offset: 0xA0, fileSize: 0x1000, actualFileSize: good.build().count)),
    Malformed("segment offset wraps", good64.with { $0.segments[0].offset = UInt64.max - 2 }.build(),
              .segmentBeyondFile(name: name, index: 0, offset: UInt64.max - 2, fileSize: 8, actualFileSize: good64.build().count)),
    Malformed("filesz > memsz", good.with { $0.segments[0].memsz = 4 }.build(),
              .segmentFileSizeExceedsMemorySize(name: name, index: 0, fileSize: 8, memorySize: 4)),
    Malformed("huge memsz overflows", good64.with { $0.segments[0].memsz = UInt64.max - 0x1000 }.build(),
              .segmentSizeOverflow(name: name, index: 0, paddr: 0x100000, memorySize: UInt64.max - 0x1000)),
    Malformed("segment above 4 GiB", good.with { $0.segments[0].paddr = 0xFFFF_F000; $0.segments[0].memsz = 0x2000 }.build(),
              .segmentAbove4GiB(name: name, index: 0, paddr: 0xFFFF_F000, memorySize: 0x2000)),
    Malformed("overlapping segments", good.with {
        $0.segments.append(.init(paddr: 0x101000, data: [1, 2, 3, 4], flags: 6))
    }.build(), .overlappingSegments(name: name, first: 0, second: 1, firstRange: "[0x100000, 0x102000)",
                                    secondRange: "[0x101000, 0x101004)")),
    Malformed("no PT_LOAD", good.with { $0.segments = [] }.build(), .noLoadableSegments(name: name)),
    Malformed("only non-load segments", good.with { $0.segments[0].type = 6 }.build(), .noLoadableSegments(name: name)),
    Malformed("no entry", good.with { $0.entry = 0 }.build(), .noEntryPoint(name: name)),
    Malformed("PVH note with a 2-byte payload", good.with { $0.pvhDescriptor = [1, 2] }.build(),
              .badPVHNote(name: name, descriptorSize: 2, value: nil)),
    Malformed("PVH note with a 64-bit payload above 4 GiB", good.with { $0.pvhDescriptor = le(UInt64(1) << 32) }.build(),
              .badPVHNote(name: name, descriptorSize: 8, value: 1 << 32)),
    Malformed("note runs past its segment", good.with { $0.noteNameSize = 0x1000 }.build(),
              .malformedNote(name: name, offset: 0x74)),
]

@Suite struct ELFImageTests {
    @Test(arguments: malformedFiles)
    func malformedFileIsRejectedWithItsOwnError(_ file: Malformed) {
        #expect(throws: file.expected) { try ELFImage.parse(file.bytes, name: name) }
        #expect(file.expected.description.hasPrefix("\(name): "), "message names the file: \(file.expected)")
    }

    /// libelf gets the caller's bytes, not a copy (LibELF): a parse must leave them as they were.
    @Test(arguments: malformedFiles.map(\.bytes) + [good.build(), good64.build(), good.with { $0.notePlacement = .section }.build()])
    func parsingLeavesTheBytesAsTheyWere(_ bytes: [UInt8]) {
        let before = bytes.map { $0 }   // storage of its own: a write through the parse would not reach it
        _ = try? ELFImage.parse(bytes, name: name)
        #expect(bytes == before)
    }

    @Test func messagesCarryTheValuesAUserNeeds() {
        #expect(ELFError.wrongMachine(name: name, machine: 40).description
            == "hello.elf: not an x86 ELF (e_machine 40, ARM); rebuild it for i386 or x86-64")
        #expect(ELFError.segmentBeyondFile(name: name, index: 1, offset: 0x1000, fileSize: 0x8000, actualFileSize: 0x2000)
            .description.hasPrefix("hello.elf: truncated: segment 1 needs file bytes [0x1000, 0x9000) but the file has 0x2000 bytes"))
        #expect(ELFError.segmentBeyondFile(name: name, index: 0, offset: UInt64.max, fileSize: 2, actualFileSize: 10)
            .description.contains("beyond 2^64"))
    }

    @Test func elf32WithBothProtocols() throws {
        let image = try ELFImage.parse(good.build(), name: name)
        #expect(!image.is64Bit)
        #expect(image.entry == 0x100000)
        #expect(image.pvhEntry == 0x100000)
        #expect(image.multibootHeader?.flags == 0x3)
        #expect(image.multibootHeader?.fileOffset == 0x74 + 20)
        #expect(image.availableProtocols == [.pvh, .multiboot])
        #expect(image.segments == [LoadSegment(index: 0, paddr: GuestAddress(0x100000), vaddr: 0x100000,
                                               offset: 0xA0, filesz: 8, memsz: 0x2000, flags: 5)])
    }

    @Test func elf64IsAccepted() throws {
        let image = try ELFImage.parse(good64.build(), name: name)
        #expect(image.is64Bit)
        #expect(image.pvhEntry == 0x100000)
        #expect(image.segments.map(\.range) == [range(0x100000, 0x2000)])
    }

    @Test func pvhNoteIsFoundInASectionWithoutAPTNote() throws {
        let image = try ELFImage.parse(good.with { $0.notePlacement = .section; $0.pvhEntry = 0x100004 }.build(), name: name)
        #expect(image.pvhEntry == 0x100004)
    }

    @Test func eightBytePVHPayloadBelow4GiBIsAccepted() throws {
        let image = try ELFImage.parse(good64.with { $0.pvhDescriptor = le(UInt64(0x100002)) }.build(), name: name)
        #expect(image.pvhEntry == 0x100002)
    }

    @Test func multibootHeaderNeedsAValidChecksumAndTheFirst8KiB() throws {
        #expect(try ELFImage.parse(good.with { $0.multibootChecksumDelta = 1 }.build(), name: name).multibootHeader == nil)
        #expect(try ELFImage.parse(good.with { $0.multibootOffset = 8192 }.build(), name: name).multibootHeader == nil)
        let last = try ELFImage.parse(good.with { $0.multibootOffset = 8192 - 12 }.build(), name: name)
        #expect(last.multibootHeader?.fileOffset == 8192 - 12)
    }

    @Test func multibootAddressFieldsAreReadWhenFlagged() throws {
        let bytes = good.with { $0.multibootFlags = 0x1_0003; $0.segments[0].data = [UInt8](repeating: 0xAB, count: 20) }.build()
        let header = try #require(try ELFImage.parse(bytes, name: name).multibootHeader)
        // The fields follow the header at 0x94: three words of padding, then the segment data at 0xA0.
        #expect(header.addressFields?.headerAddress == 0)
        #expect(header.addressFields?.bssEndAddress == 0xABAB_ABAB)
        #expect(header.addressFields?.entryAddress == 0xABAB_ABAB)
    }

    @Test func imageWithoutAnyProtocolStillParses() throws {
        let image = try ELFImage.parse(good.with { $0.pvhEntry = nil; $0.multibootFlags = nil }.build(), name: name)
        #expect(image.availableProtocols.isEmpty)
    }
}

@Suite struct SectionHeaderRobustnessTests {
    /// Section headers are not needed to boot: a table pointing past the end of the file must neither
    /// trap nor hide the PT_NOTE note.
    @Test func sectionTableBeyondTheFileIsIgnored() throws {
        var bytes = good.build()
        bytes.replaceSubrange(32..<36, with: le(UInt32(0xFFFF)))   // e_shoff
        bytes.replaceSubrange(48..<50, with: le(UInt16(4)))        // e_shnum
        let image = try ELFImage.parse(bytes, name: name)
        #expect(image.pvhEntry == 0x100000)
    }
}
