/// Writes small ELF files for tests, so every malformed variant is one line: change a field, build.
///
/// File layout: ELF header | program headers | Xen note | Multiboot header | segment data (16-aligned) |
/// optional section headers (null + SHT_NOTE) when the note should be found through a section only.
struct ELFWriter {
    struct Segment {
        var paddr: UInt64
        var vaddr: UInt64? = nil        // nil: same as paddr
        var data: [UInt8]
        var memsz: UInt64? = nil        // nil: data.count
        var offset: UInt64? = nil       // nil: where the writer puts the data
        var filesz: UInt64? = nil       // nil: data.count
        var flags: UInt32 = 5           // R E
        var type: UInt32 = 1            // PT_LOAD
    }

    enum NotePlacement { case segment, section }

    /// `mov $0x2a,%eax; out %eax,$0xf4; hlt`
    static let code: [UInt8] = [0xB8, 0x2A, 0, 0, 0, 0xE7, 0xF4, 0xF4]

    var is64Bit = false
    var elfClass: UInt8? = nil          // nil: from is64Bit
    var encoding: UInt8 = 1             // ELFDATA2LSB
    var machine: UInt16? = nil          // nil: EM_386 / EM_X86_64 to match the class
    var type: UInt16 = 2                // ET_EXEC
    var entry: UInt64 = 0x100000
    var segments: [Segment] = [Segment(paddr: 0x100000, data: ELFWriter.code, memsz: 0x2000)]
    var pvhEntry: UInt32? = 0x100000
    var pvhDescriptor: [UInt8]? = nil   // nil: pvhEntry as 4 little-endian bytes
    var noteNameSize: UInt32? = nil     // nil: 4 ("Xen\0")
    var notePlacement = NotePlacement.segment
    var multibootFlags: UInt32? = 0x3
    var multibootChecksumDelta: UInt32 = 0
    var multibootOffset: Int? = nil     // nil: right after the note
    var phentsize: UInt16? = nil
    var phoff: UInt64? = nil

    func with(_ change: (inout ELFWriter) -> Void) -> ELFWriter {
        var copy = self
        change(&copy)
        return copy
    }

    func build() -> [UInt8] {
        let headerSize = is64Bit ? 64 : 52
        let phdrSize = is64Bit ? 56 : 32
        var programHeaders = segments
        let note = noteBytes()
        let noteInSegment = note != nil && notePlacement == .segment
        let headerCount = programHeaders.count + (noteInSegment ? 1 : 0)

        var file = [UInt8](repeating: 0, count: headerSize + headerCount * phdrSize)
        let noteOffset = file.count
        if let note { file += note }
        if let flags = multibootFlags {
            if let multibootOffset, multibootOffset > file.count {
                file += [UInt8](repeating: 0, count: multibootOffset - file.count)
            }
            let magic: UInt32 = 0x1BAD_B002
            file += le(magic) + le(flags) + le((0 &- magic &- flags) &+ multibootChecksumDelta)
        }
        for index in programHeaders.indices {
            file += [UInt8](repeating: 0, count: (16 - file.count % 16) % 16)
            if programHeaders[index].offset == nil { programHeaders[index].offset = UInt64(file.count) }
            file += programHeaders[index].data
        }
        var sectionHeaderOffset = 0
        if let note, notePlacement == .section {
            file += [UInt8](repeating: 0, count: (8 - file.count % 8) % 8)
            sectionHeaderOffset = file.count
            let shdrSize = is64Bit ? 64 : 40
            file += [UInt8](repeating: 0, count: shdrSize)  // SHT_NULL
            file += is64Bit
                ? le(UInt32(0)) + le(UInt32(7)) + le(UInt64(2)) + le(UInt64(0)) + le(UInt64(noteOffset))
                    + le(UInt64(note.count)) + le(UInt32(0)) + le(UInt32(0)) + le(UInt64(4)) + le(UInt64(0))
                : le(UInt32(0)) + le(UInt32(7)) + le(UInt32(2)) + le(UInt32(0)) + le(UInt32(noteOffset))
                    + le(UInt32(note.count)) + le(UInt32(0)) + le(UInt32(0)) + le(UInt32(4)) + le(UInt32(0))
        }

        // ELF header.
        var header: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, elfClass ?? (is64Bit ? 2 : 1), encoding, 1, 0]
        header += [UInt8](repeating: 0, count: 8)
        header += le(type) + le(machine ?? (is64Bit ? 62 : 3)) + le(UInt32(1))
        let sectionCount: UInt16 = sectionHeaderOffset == 0 ? 0 : 2
        if is64Bit {
            header += le(entry) + le(phoff ?? UInt64(headerSize)) + le(UInt64(sectionHeaderOffset))
        } else {
            header += le(UInt32(truncatingIfNeeded: entry)) + le(UInt32(truncatingIfNeeded: phoff ?? UInt64(headerSize)))
                + le(UInt32(sectionHeaderOffset))
        }
        header += le(UInt32(0)) + le(UInt16(headerSize)) + le(phentsize ?? UInt16(phdrSize)) + le(UInt16(headerCount))
        header += le(UInt16(is64Bit ? 64 : 40)) + le(sectionCount) + le(UInt16(0))
        file.replaceSubrange(0..<headerSize, with: header)

        // Program headers.
        var table: [UInt8] = []
        for segment in programHeaders {
            table += programHeader(type: segment.type, offset: segment.offset!, vaddr: segment.vaddr ?? segment.paddr,
                                   paddr: segment.paddr, filesz: segment.filesz ?? UInt64(segment.data.count),
                                   memsz: segment.memsz ?? UInt64(segment.data.count), flags: segment.flags)
        }
        if let note, noteInSegment {
            table += programHeader(type: 4, offset: UInt64(noteOffset), vaddr: 0, paddr: 0,
                                   filesz: UInt64(note.count), memsz: UInt64(note.count), flags: 4)
        }
        file.replaceSubrange(headerSize..<(headerSize + table.count), with: table)
        return file
    }

    private func noteBytes() -> [UInt8]? {
        guard let pvhEntry else { return nil }
        let descriptor = pvhDescriptor ?? le(pvhEntry)
        let padded = descriptor + [UInt8](repeating: 0, count: (4 - descriptor.count % 4) % 4)
        return le(noteNameSize ?? 4) + le(UInt32(descriptor.count)) + le(UInt32(18)) + Array("Xen\0".utf8) + padded
    }

    private func programHeader(type: UInt32, offset: UInt64, vaddr: UInt64, paddr: UInt64, filesz: UInt64,
                               memsz: UInt64, flags: UInt32) -> [UInt8] {
        if is64Bit {
            return le(type) + le(flags) + le(offset) + le(vaddr) + le(paddr) + le(filesz) + le(memsz) + le(UInt64(16))
        }
        return le(type) + le(UInt32(truncatingIfNeeded: offset)) + le(UInt32(truncatingIfNeeded: vaddr))
            + le(UInt32(truncatingIfNeeded: paddr)) + le(UInt32(truncatingIfNeeded: filesz))
            + le(UInt32(truncatingIfNeeded: memsz)) + le(flags) + le(UInt32(16))
    }
}

/// The little-endian bytes of an integer.
func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian) { Array($0) }
}
