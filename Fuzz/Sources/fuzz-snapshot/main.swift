// fuzz-snapshot: the input is a mode byte and a snapshot file. The file is written to a scratch file and
// opened with every section of docs/snapshot-format.md supported at version 1 (VCPU at 2); an accepted
// file's memory section is read against a 36 KiB RAM with a hole ([0, 0x4000) and [0x6000, 0x9000)),
// restored into a shadow RAM, and the whole file is written again from what was read.
// Mode bit 0 repairs the header CRC and every section CRC before the file is written (walking the
// framing leniently), so mutations reach the checks behind the checksums; bit 1 requires every
// supported section (otherwise none is required).
//
// Invariants: a refusal is a SnapshotError naming the file, one line; an accepted file's header and
// sections agree with an independent walk of its bytes (magic, format 1, header CRC, sections back to
// back to the end of the file, each CRC recomputed here bit by bit, known tags at supported versions,
// in the fixed order, required ones present); every section reads back as its bytes in the file; memory
// runs are either refused with a MEMR error or are page-aligned, non-empty, in address order without
// overlap, each inside one RAM range, and hand out exactly the file's bytes; re-encoding that memory
// with SparseMemoryWriter and reading it back restores the same RAM; re-encoding the accepted file with
// SnapshotFileWriter reproduces it byte for byte.
import FuzzSupport
import Snapshot

#if canImport(Glibc)
import Glibc
#endif

private let scratch = (access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp") + "/fuzz-snapshot-\(getpid())"
private let path = scratch + ".snap"
private let againPath = scratch + "-again.snap"
private let supported: [SectionTag: UInt32] = Dictionary(uniqueKeysWithValues: SectionTag.fileOrder.map { ($0, $0 == .vcpu ? 2 : 1) })
private let ram = [RAMRange(start: 0, size: 0x4000), RAMRange(start: 0x6000, size: 0x3000)]
private let ramEnd = 0x9000

/// The scratch files go when libFuzzer exits (it ends with exit(), which runs atexit handlers).
private let removeScratchAtExit: Void = { atexit { unlink(path); unlink(againPath) } }()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    removeScratchAtExit
    guard size >= 1 else { return 0 }
    let mode = data[0]
    var file = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    if mode & 1 != 0 { repairChecksums(&file) }
    writeFile(path, file)
    let required: Set<SectionTag>? = mode & 2 != 0 ? nil : []
    let snapshot: SnapshotFile
    do {
        snapshot = try SnapshotFile.open(path: path, supported: supported, required: required)
    } catch {
        requireNamed(error)
        return 0
    }
    checkStructure(snapshot, file, requireAll: mode & 2 != 0)
    for section in snapshot.sections {
        let bytes = Array(file[Int(section.offset)..<Int(section.offset + section.length)])
        require((try? snapshot.section(section.tag)) == bytes, "section \(section.tag) does not read back as its bytes")
    }
    checkMemory(snapshot, file)
    checkReencoding(snapshot, file)
    return 0
}

private func requireNamed(_ error: SnapshotError) {
    let text = error.description
    require(error.file == path, "a refusal names \(error.file), not the file")
    require(text.hasPrefix("snapshot \(path): ") && text.count > "snapshot \(path): ".count, "a refusal without the file or a message: \(text)")
    require(!text.contains("\n"), "a refusal of more than one line: \(text)")
}

/// The header and the section framing, walked here from the raw bytes.
private func checkStructure(_ snapshot: SnapshotFile, _ file: [UInt8], requireAll: Bool) {
    require(snapshot.size == UInt64(file.count), "size \(snapshot.size) for a file of \(file.count)")
    require(Array(file[0..<8]) == Array("SWIFTVM".utf8) + [0], "accepted without the magic")
    require(u32(file, 8) == 1 && snapshot.header.formatVersion == 1, "accepted format \(u32(file, 8))")
    let headerLength = Int(u32(file, 12))
    require(u32(file, 16) == 0, "accepted flags")
    require(Int(u32(file, 20)) == snapshot.sections.count, "section count differs")
    require(crc32(file[0..<(headerLength - 4)]) == u32(file, headerLength - 4), "accepted a header with a bad CRC")
    let machineLength = Int(u16(file, 24))
    require(Array(snapshot.header.machineType.utf8) == Array(file[26..<(26 + machineLength)]), "machine type differs")
    let swiftvmLength = Int(u16(file, 26 + machineLength))
    require(headerLength == 32 + machineLength + swiftvmLength, "header length does not fit its strings")
    require(Array(snapshot.header.swiftvmVersion.utf8) == Array(file[(28 + machineLength)..<(28 + machineLength + swiftvmLength)]),
            "swiftvm version differs")
    var offset = headerLength
    var previous: Int?
    for section in snapshot.sections {
        require(section.offset == UInt64(offset + 20), "section \(section.tag) is not where the previous one ended")
        require(section.tag.bytes == Array(file[offset..<(offset + 4)]), "tag differs")
        require(section.version == u32(file, offset + 4) && section.length == u64(file, offset + 8), "version or length differs")
        let end = offset + 20 + Int(section.length)
        require(crc32(file[offset..<(offset + 16)] + file[(offset + 20)..<end]) == u32(file, offset + 16), "accepted a section with a bad CRC")
        require(section.checksum == u32(file, offset + 16), "CRC differs")
        guard let newest = supported[section.tag], let rank = SectionTag.fileOrder.firstIndex(of: section.tag) else {
            return require(false, "accepted unknown tag \(section.tag)")
        }
        require((1...newest).contains(section.version), "accepted \(section.tag) version \(section.version)")
        require(previous.map { $0 < rank } ?? true, "accepted \(section.tag) out of order")
        previous = rank
        offset = end
    }
    require(offset == file.count, "accepted bytes after the last section")
    if requireAll { require(snapshot.sections.count == supported.count, "accepted a file without every required section") }
}

/// Memory runs against the RAM layout: refused as MEMR, or valid and handing out exactly the file's bytes.
private func checkMemory(_ snapshot: SnapshotFile, _ file: [UInt8]) {
    guard let entry = snapshot.entry(.memory) else {
        require((try? snapshot.memoryRuns(ram: ram)) == [], "runs without a memory section")
        return
    }
    var shadow = [UInt8](repeating: 0, count: ramEnd)
    let runs: [MemoryRun]
    do {
        runs = try snapshot.memoryRuns(ram: ram)
        var handed: UInt64 = 0
        try snapshot.readMemory(ram: ram) { run, address, bytes in
            let start = Int(entry.offset + run.payloadOffset + (address - run.address))
            require(Array(bytes) == Array(file[start..<(start + bytes.count)]), "run \(run.index) hands out other bytes than the file's")
            shadow.replaceSubrange(Int(address)..<(Int(address) + bytes.count), with: bytes)
            handed += UInt64(bytes.count)
        }
        require(handed == runs.reduce(0) { $0 + $1.length }, "handed out \(handed) bytes for the runs")
    } catch {
        requireNamed(error)
        switch error {
        case let .memoryRun(_, _, _, problem): require(!problem.contains("restoring"), "a restore closure failure that was not ours")
        case let .field(_, section, _, _): require(section == .memory, "a memory refusal names \(section)")
        default: require(false, "a memory refusal of the wrong kind: \(error)")
        }
        return
    }
    var end: UInt64 = 0
    for run in runs {
        require(run.address % 4096 == 0 && run.length % 4096 == 0 && run.length > 0, "run \(run.index) unaligned or empty")
        require(run.index == 0 || run.address >= end, "run \(run.index) overlaps or is out of order")
        require(ram.contains { $0.start <= run.address && run.address + run.length <= $0.start + $0.size }, "run \(run.index) outside one RAM range")
        end = run.address + run.length
    }
    // What was restored, written again by the sparse writer and read back, is the same RAM.
    let touched = runs.map { $0.address..<($0.address + $0.length) }
    let read: (UInt64, Int) throws -> [UInt8] = { address, count in Array(shadow[Int(address)..<(Int(address) + count)]) }
    guard let again = try? SparseMemoryWriter(ram: ram).encode(touched: touched, read: read) else {
        return require(false, "the sparse writer refused memory read from a valid section")
    }
    var restored = [UInt8](repeating: 0, count: ramEnd)
    do {
        try SparseMemoryReader(payload: again, ram: ram).readRuns { _, address, bytes in
            restored.replaceSubrange(Int(address)..<(Int(address) + bytes.count), with: bytes)
        }
    } catch {
        require(false, "the sparse writer's own output is refused: \(error)")
    }
    require(restored == shadow, "re-encoded memory restores different RAM")
}

/// Writing the accepted file's header and sections again gives the same bytes.
private func checkReencoding(_ snapshot: SnapshotFile, _ file: [UInt8]) {
    do {
        var writer = try SnapshotFileWriter(path: againPath, header: snapshot.header)
        for section in snapshot.sections {
            try writer.append(section.tag, version: section.version, payload: try snapshot.section(section.tag) ?? [])
        }
        try writer.commit()
    } catch {
        return require(false, "re-encoding an accepted file failed: \(error)")
    }
    require(readFile(againPath) == file, "re-encoding an accepted file gives other bytes")
}

/// Fixes the header CRC and each section's CRC where the framing can be followed.
private func repairChecksums(_ file: inout [UInt8]) {
    guard file.count >= 24 else { return }
    let headerLength = Int(u32(file, 12))
    guard headerLength >= 28, headerLength <= file.count else { return }
    put(&file, headerLength - 4, crc32(file[0..<(headerLength - 4)]))
    var offset = headerLength
    for _ in 0..<min(Int(u32(file, 20)), 64) {
        guard file.count - offset >= 20 else { return }
        let length = u64(file, offset + 8)
        guard length <= UInt64(file.count - offset - 20) else { return }
        let end = offset + 20 + Int(length)
        put(&file, offset + 16, crc32(file[offset..<(offset + 16)] + file[(offset + 20)..<end]))
        offset = end
    }
}

/// CRC-32 (reflected 0xEDB88320), bit by bit: independent of the zlib the module uses.
private func crc32(_ bytes: some Collection<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}

private func u16(_ bytes: [UInt8], _ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
private func u32(_ bytes: [UInt8], _ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
private func u64(_ bytes: [UInt8], _ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * $1) } }
private func put(_ bytes: inout [UInt8], _ at: Int, _ value: UInt32) {
    for index in 0..<4 { bytes[at + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
}

private func writeFile(_ name: String, _ bytes: [UInt8]) {
    let fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    require(fd >= 0, "cannot create \(name)")
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    require(written == bytes.count, "short write to \(name)")
    close(fd)
}

private func readFile(_ name: String) -> [UInt8] {
    let fd = open(name, O_RDONLY)
    guard fd >= 0 else { return [] }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return bytes }
        bytes += chunk[0..<count]
    }
}
