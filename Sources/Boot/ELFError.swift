/// Why a kernel file was refused before anything was loaded. Every message names the file and the
/// offending values, so a user can tell what to rebuild.
public enum ELFError: Error, Equatable, Sendable, CustomStringConvertible {
    case emptyFile(name: String)
    case notELF(name: String)
    /// The ELF header (52 or 64 bytes) does not fit in the file.
    case truncatedHeader(name: String, fileSize: Int, needed: Int)
    /// EI_CLASS is neither ELFCLASS32 nor ELFCLASS64.
    case unsupportedClass(name: String, elfClass: UInt8)
    case notLittleEndian(name: String, encoding: UInt8)
    /// e_machine is neither EM_386 nor EM_X86_64.
    case wrongMachine(name: String, machine: UInt16)
    /// EM_386 in an ELFCLASS64 file or EM_X86_64 in an ELFCLASS32 file (x32).
    case classMismatch(name: String, is64Bit: Bool, machine: UInt16)
    /// e_type is not ET_EXEC (a relocatable object or a shared object / PIE).
    case notExecutable(name: String, type: UInt16)
    case badProgramHeaderSize(name: String, entrySize: Int, expected: Int)
    /// The program header table [offset, offset + count * entrySize) passes the end of the file.
    case truncatedProgramHeaders(name: String, offset: UInt64, count: Int, entrySize: Int, fileSize: Int)
    case noLoadableSegments(name: String)
    /// A PT_LOAD segment's file bytes [offset, offset + filesz) pass the end of the file.
    case segmentBeyondFile(name: String, index: Int, offset: UInt64, fileSize: UInt64, actualFileSize: Int)
    case segmentFileSizeExceedsMemorySize(name: String, index: Int, fileSize: UInt64, memorySize: UInt64)
    /// paddr + memsz passes 2^64.
    case segmentSizeOverflow(name: String, index: Int, paddr: UInt64, memorySize: UInt64)
    /// paddr + memsz passes 4 GiB, which neither 32-bit entry protocol can reach.
    case segmentAbove4GiB(name: String, index: Int, paddr: UInt64, memorySize: UInt64)
    case overlappingSegments(name: String, first: Int, second: Int, firstRange: String, secondRange: String)
    case noEntryPoint(name: String)
    /// A note's header or payload passes the end of its note segment/section or of the file.
    case malformedNote(name: String, offset: UInt64)
    /// The Xen PHYS32_ENTRY note has a payload that is not a 32-bit address.
    case badPVHNote(name: String, descriptorSize: UInt32, value: UInt64?)
    /// libelf itself refused the file; the message is libelf's.
    case libelf(name: String, call: String, message: String)

    public var description: String {
        switch self {
        case let .emptyFile(name):
            return "\(name): the file is empty; expected an x86 ELF kernel"
        case let .notELF(name):
            return "\(name): not an ELF file (no \\x7fELF magic); expected an x86 ELF kernel"
        case let .truncatedHeader(name, fileSize, needed):
            return "\(name): truncated: the ELF header needs \(needed) bytes but the file has \(fileSize)"
        case let .unsupportedClass(name, elfClass):
            return "\(name): unknown ELF class \(elfClass); expected ELFCLASS32 (1) or ELFCLASS64 (2)"
        case let .notLittleEndian(name, encoding):
            return "\(name): ELF data encoding \(encoding) is not little-endian (ELFDATA2LSB); not an x86 kernel"
        case let .wrongMachine(name, machine):
            return "\(name): not an x86 ELF (e_machine \(machine), \(machineName(machine))); rebuild it for i386 or x86-64"
        case let .classMismatch(name, is64Bit, machine):
            return "\(name): \(is64Bit ? "ELFCLASS64" : "ELFCLASS32") file with e_machine \(machine) (\(machineName(machine))); "
                + "only ELFCLASS32/EM_386 and ELFCLASS64/EM_X86_64 are accepted"
        case let .notExecutable(name, type):
            return "\(name): ELF type \(type) (\(elfTypeName(type))) is not an executable (ET_EXEC); link it statically at a fixed address"
        case let .badProgramHeaderSize(name, entrySize, expected):
            return "\(name): program header entries are \(entrySize) bytes; this ELF class needs \(expected)"
        case let .truncatedProgramHeaders(name, offset, count, entrySize, fileSize):
            let size = UInt64(count) * UInt64(entrySize)
            return "\(name): truncated: \(count) program headers need file bytes \(hexRange(start: offset, size: size)) "
                + "but the file has \(hex(fileSize)) bytes"
        case let .noLoadableSegments(name):
            return "\(name): no PT_LOAD segment; there is nothing to load"
        case let .segmentBeyondFile(name, index, offset, fileSize, actualFileSize):
            return "\(name): truncated: segment \(index) needs file bytes \(hexRange(start: offset, size: fileSize)) "
                + "but the file has \(hex(actualFileSize)) bytes"
        case let .segmentFileSizeExceedsMemorySize(name, index, fileSize, memorySize):
            return "\(name): segment \(index) has more file bytes (p_filesz \(hex(fileSize))) than memory (p_memsz \(hex(memorySize)))"
        case let .segmentSizeOverflow(name, index, paddr, memorySize):
            return "\(name): segment \(index) at \(hex(paddr)) with p_memsz \(hex(memorySize)) wraps around the address space"
        case let .segmentAbove4GiB(name, index, paddr, memorySize):
            return "\(name): segment \(index) \(hexRange(start: paddr, size: memorySize)) ends above 4 GiB; "
                + "PVH and Multiboot kernels must load below 4 GiB"
        case let .overlappingSegments(name, first, second, firstRange, secondRange):
            return "\(name): segments \(first) \(firstRange) and \(second) \(secondRange) overlap in physical memory"
        case let .noEntryPoint(name):
            return "\(name): the entry point (e_entry) is 0; set ENTRY() in the linker script"
        case let .malformedNote(name, offset):
            return "\(name): malformed ELF note at file offset \(hex(offset)): it runs past the end of its note segment"
        case let .badPVHNote(name, descriptorSize, value):
            let shown = value.map { ", value \(hex($0))" } ?? ""
            return "\(name): the Xen PHYS32_ENTRY note (type 18) has a payload of \(descriptorSize) bytes\(shown); "
                + "it must be a 32-bit physical address"
        case let .libelf(name, call, message):
            return "\(name): libelf \(call) failed: \(message)"
        }
    }
}

/// The architecture names a user is likely to meet, for messages.
func machineName(_ machine: UInt16) -> String {
    switch machine {
    case 0: return "none"
    case 2: return "SPARC"
    case 3: return "i386"
    case 8: return "MIPS"
    case 20: return "PowerPC"
    case 21: return "PowerPC64"
    case 22: return "S/390"
    case 40: return "ARM"
    case 62: return "x86-64"
    case 183: return "AArch64"
    case 243: return "RISC-V"
    case 258: return "LoongArch"
    default: return "unknown machine"
    }
}

func elfTypeName(_ type: UInt16) -> String {
    switch type {
    case 0: return "ET_NONE"
    case 1: return "ET_REL, an object file"
    case 2: return "ET_EXEC"
    case 3: return "ET_DYN, a shared object or PIE"
    case 4: return "ET_CORE, a core dump"
    default: return "unknown"
    }
}
