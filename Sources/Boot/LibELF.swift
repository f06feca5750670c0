import CLibELF

/// What the ELF reader needs from the file's headers, decoded by libelf into plain values.
struct RawELF {
    struct ProgramHeader {
        let type: UInt32
        let offset: UInt64
        let vaddr: UInt64
        let paddr: UInt64
        let filesz: UInt64
        let memsz: UInt64
        let flags: UInt32
        let align: UInt64
    }

    /// A region of the file holding ELF notes (a SHT_NOTE section).
    struct NoteRegion {
        let offset: UInt64
        let size: UInt64
        let align: UInt64
    }

    let machine: UInt16
    let type: UInt16
    let entry: UInt64
    let programHeaders: [ProgramHeader]
    let noteSections: [NoteRegion]
}

/// The only place the Boot module touches libelf (and the only unsafe code in it).
///
/// libelf reads straight from the buffer it is given, the caller's array itself: `elf_memory` opens it
/// ELF_C_READ_MMAP_PRIVATE, and elfutils writes such an image only to convert data of the other byte
/// order (or misaligned data where unaligned loads trap). `ELFImage.checkIdentification` admits only
/// little-endian files and x86 loads unaligned data, so nothing is written; ELFImageTests checks that
/// every fixture's bytes are unchanged by a parse. (A private copy of a 59 KiB kernel cost ~15 page
/// faults and its copy in every run; benchmarks/README.md, "Seventh pass".) libelf trusts offsets it
/// reads from the file for some lookups; the table bounds are checked here before libelf is asked for them.
enum LibELF {
    /// `elf_version` must run once per process before any other libelf call; a Swift global is
    /// initialised exactly once, thread-safely.
    private static let initialised: Bool = elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE)

    static func read(_ bytes: [UInt8], name: String, is64Bit: Bool) -> Result<RawELF, ELFError> {
        guard initialised else {
            return .failure(.libelf(name: name, call: "elf_version", message: lastError()))
        }
        return bytes.withUnsafeBytes { buffer -> Result<RawELF, ELFError> in
            // Read-only in fact (above); the C signature takes `char *`.
            let image = UnsafeMutableRawPointer(mutating: buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            guard let elf = elf_memory(image, buffer.count) else {
                return .failure(.libelf(name: name, call: "elf_memory", message: lastError()))
            }
            defer { elf_end(elf) }
            return decode(elf, name: name, fileSize: buffer.count, is64Bit: is64Bit)
        }
    }

    private static func decode(_ elf: OpaquePointer, name: String, fileSize: Int, is64Bit: Bool) -> Result<RawELF, ELFError> {
        guard elf_kind(elf) == ELF_K_ELF else { return .failure(.notELF(name: name)) }
        var header = GElf_Ehdr()
        guard gelf_getehdr(elf, &header) != nil else {
            return .failure(.libelf(name: name, call: "gelf_getehdr", message: lastError()))
        }

        // libelf reads the table as soon as it is asked for the count, so check its bounds first. Only
        // PN_XNUM (more than 0xfffe headers, count in section 0) needs libelf to find the count.
        var count = Int(header.e_phnum)
        if header.e_phnum == UInt16(PN_XNUM) {
            guard elf_getphdrnum(elf, &count) == 0 else {
                return .failure(.libelf(name: name, call: "elf_getphdrnum", message: lastError()))
            }
        }
        let entrySize = Int(header.e_phentsize)
        let expectedSize = is64Bit ? MemoryLayout<Elf64_Phdr>.size : MemoryLayout<Elf32_Phdr>.size
        if count > 0 && entrySize != expectedSize {
            return .failure(.badProgramHeaderSize(name: name, entrySize: entrySize, expected: expectedSize))
        }
        // count <= 2^32 and entrySize <= 2^16, so the product cannot overflow a UInt64.
        let (tableEnd, overflow) = header.e_phoff.addingReportingOverflow(UInt64(count) * UInt64(entrySize))
        guard !overflow, tableEnd <= UInt64(fileSize) else {
            return .failure(.truncatedProgramHeaders(name: name, offset: header.e_phoff, count: count,
                                                     entrySize: entrySize, fileSize: fileSize))
        }

        var programHeaders: [RawELF.ProgramHeader] = []
        for index in 0..<count {
            var phdr = GElf_Phdr()
            guard gelf_getphdr(elf, Int32(index), &phdr) != nil else {
                return .failure(.libelf(name: name, call: "gelf_getphdr(\(index))", message: lastError()))
            }
            programHeaders.append(.init(type: phdr.p_type, offset: phdr.p_offset, vaddr: phdr.p_vaddr,
                                        paddr: phdr.p_paddr, filesz: phdr.p_filesz, memsz: phdr.p_memsz,
                                        flags: phdr.p_flags, align: phdr.p_align))
        }

        return .success(RawELF(machine: header.e_machine, type: header.e_type, entry: header.e_entry,
                               programHeaders: programHeaders, noteSections: noteSections(elf)))
    }

    /// SHT_NOTE sections, when the file has a readable section header table. Sections are optional for
    /// loading, so a missing or unreadable table just means no section notes.
    private static func noteSections(_ elf: OpaquePointer) -> [RawELF.NoteRegion] {
        var regions: [RawELF.NoteRegion] = []
        var section = elf_nextscn(elf, nil)
        while let current = section {
            var shdr = GElf_Shdr()
            if gelf_getshdr(current, &shdr) != nil, shdr.sh_type == UInt32(SHT_NOTE) {
                regions.append(.init(offset: shdr.sh_offset, size: shdr.sh_size, align: shdr.sh_addralign))
            }
            section = elf_nextscn(elf, current)
        }
        return regions
    }

    private static func lastError() -> String {
        guard let message = elf_errmsg(-1) else { return "unknown libelf error" }
        return String(cString: message)
    }
}
