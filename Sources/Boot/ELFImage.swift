import GuestMemory

/// One PT_LOAD program header, validated: its file bytes lie inside the file, filesz <= memsz, and its
/// physical range lies below 4 GiB.
public struct LoadSegment: Equatable, Sendable {
    /// The program header's index in the file (what `readelf -l` numbers it).
    public let index: Int
    /// Where it is loaded: the physical address, p_paddr.
    public let paddr: GuestAddress
    /// The link-time virtual address, p_vaddr (used only to translate a virtual e_entry).
    public let vaddr: UInt64
    /// p_offset: where its file bytes start.
    public let offset: UInt64
    public let filesz: UInt64
    public let memsz: UInt64
    /// PF_X = 1, PF_W = 2, PF_R = 4.
    public let flags: UInt32

    /// [paddr, paddr + memsz): the guest memory it occupies.
    public var range: GuestRange { GuestRange(start: paddr, size: memsz)! }  // checked at parse
}

/// A kernel ELF file, parsed and validated but not yet loaded.
public struct ELFImage: Sendable {
    /// The name used in every message about this file (usually its path as the user gave it).
    public let name: String
    public let is64Bit: Bool
    /// e_entry, as linked (may be virtual; see `KernelLoader`).
    public let entry: UInt64
    /// The PT_LOAD segments, in program-header order.
    public let segments: [LoadSegment]
    /// The PVH entry point from the Xen note type 18 (XEN_ELFNOTE_PHYS32_ENTRY), in PT_NOTE or SHT_NOTE.
    public let pvhEntry: UInt32?
    /// The Multiboot v1 header, found by scanning the first 8 KiB of the file.
    public let multibootHeader: MultibootHeader?
    /// The whole file, for copying segments at load time.
    let contents: [UInt8]

    static let elfMagic: [UInt8] = [0x7F, 0x45, 0x4C, 0x46]
    static let maximumAddress: UInt64 = 1 << 32

    /// Which entry protocols the file supports, PVH first.
    public var availableProtocols: [BootProtocol] {
        (pvhEntry != nil ? [.pvh] : []) + (multibootHeader != nil ? [.multiboot] : [])
    }

    public static func parse(_ bytes: [UInt8], name: String) throws(ELFError) -> ELFImage {
        let is64Bit = try checkIdentification(bytes, name: name)
        let raw: RawELF
        switch LibELF.read(bytes, name: name, is64Bit: is64Bit) {
        case let .success(value): raw = value
        case let .failure(error): throw error
        }
        try checkMachine(raw, is64Bit: is64Bit, name: name)

        var segments: [LoadSegment] = []
        var noteRegions: [ELFNotes.Region] = []
        for (index, header) in raw.programHeaders.enumerated() {
            switch header.type {
            case 1:  // PT_LOAD
                segments.append(try validateSegment(header, index: index, fileSize: bytes.count, name: name))
            case 4:  // PT_NOTE
                noteRegions.append(.init(offset: header.offset, size: header.filesz, align: header.align))
            default:
                continue
            }
        }
        guard !segments.isEmpty else { throw .noLoadableSegments(name: name) }
        try checkOverlaps(segments, name: name)
        guard raw.entry != 0 else { throw .noEntryPoint(name: name) }

        noteRegions += raw.noteSections.map { .init(offset: $0.offset, size: $0.size, align: $0.align) }
        let pvhEntry = try ELFNotes.pvhEntry(in: bytes, regions: noteRegions, name: name)
        return ELFImage(name: name, is64Bit: is64Bit, entry: raw.entry, segments: segments, pvhEntry: pvhEntry,
                        multibootHeader: MultibootHeader.find(in: bytes), contents: bytes)
    }

    /// e_ident checks done before libelf sees the file; returns whether it is ELFCLASS64.
    private static func checkIdentification(_ bytes: [UInt8], name: String) throws(ELFError) -> Bool {
        guard !bytes.isEmpty else { throw .emptyFile(name: name) }
        guard bytes.starts(with: elfMagic) else { throw .notELF(name: name) }
        guard bytes.count > 5 else { throw .truncatedHeader(name: name, fileSize: bytes.count, needed: 52) }
        let is64Bit: Bool
        switch bytes[4] {
        case 1: is64Bit = false
        case 2: is64Bit = true
        default: throw .unsupportedClass(name: name, elfClass: bytes[4])
        }
        guard bytes[5] == 1 else { throw .notLittleEndian(name: name, encoding: bytes[5]) }
        let headerSize = is64Bit ? 64 : 52
        guard bytes.count >= headerSize else {
            throw .truncatedHeader(name: name, fileSize: bytes.count, needed: headerSize)
        }
        return is64Bit
    }

    private static func checkMachine(_ raw: RawELF, is64Bit: Bool, name: String) throws(ELFError) {
        let i386: UInt16 = 3, x86_64: UInt16 = 62
        switch raw.machine {
        case i386 where !is64Bit, x86_64 where is64Bit:
            break
        case i386, x86_64:
            throw .classMismatch(name: name, is64Bit: is64Bit, machine: raw.machine)
        default:
            throw .wrongMachine(name: name, machine: raw.machine)
        }
        guard raw.type == 2 else { throw .notExecutable(name: name, type: raw.type) }  // ET_EXEC
    }

    private static func validateSegment(_ header: RawELF.ProgramHeader, index: Int, fileSize: Int,
                                        name: String) throws(ELFError) -> LoadSegment {
        let (fileEnd, fileOverflow) = header.offset.addingReportingOverflow(header.filesz)
        guard !fileOverflow, fileEnd <= UInt64(fileSize) else {
            throw .segmentBeyondFile(name: name, index: index, offset: header.offset, fileSize: header.filesz,
                                     actualFileSize: fileSize)
        }
        guard header.filesz <= header.memsz else {
            throw .segmentFileSizeExceedsMemorySize(name: name, index: index, fileSize: header.filesz,
                                                    memorySize: header.memsz)
        }
        let (memoryEnd, memoryOverflow) = header.paddr.addingReportingOverflow(header.memsz)
        guard !memoryOverflow else {
            throw .segmentSizeOverflow(name: name, index: index, paddr: header.paddr, memorySize: header.memsz)
        }
        guard memoryEnd <= maximumAddress else {
            throw .segmentAbove4GiB(name: name, index: index, paddr: header.paddr, memorySize: header.memsz)
        }
        return LoadSegment(index: index, paddr: GuestAddress(header.paddr), vaddr: header.vaddr, offset: header.offset,
                           filesz: header.filesz, memsz: header.memsz, flags: header.flags)
    }

    private static func checkOverlaps(_ segments: [LoadSegment], name: String) throws(ELFError) {
        // Few segments in practice: compare every pair (empty segments overlap nothing).
        for (position, first) in segments.enumerated() {
            for second in segments[(position + 1)...] where first.range.overlaps(second.range) {
                throw .overlappingSegments(name: name, first: first.index, second: second.index,
                                           firstRange: first.range.description, secondRange: second.range.description)
            }
        }
    }
}
