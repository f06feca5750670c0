import TestSupport
import Foundation
import Testing
@testable import Snapshot

/// Every way a file can be damaged or foreign is refused with a SnapshotError naming the file and the
/// part at fault; nothing traps.
@Suite struct FileRefusalTests {
    let supported: [SectionTag: UInt32] = [.configuration: 1, .vcpu: 2, .localAPIC: 1, .memory: 1]

    func open(_ bytes: [UInt8], supported: [SectionTag: UInt32]? = nil, required: Set<SectionTag>? = []) throws -> SnapshotError? {
        let directory = try TemporaryDirectory()
        let path = try directory.write(bytes, to: "t.snap")
        return snapshotError { () throws(SnapshotError) in try SnapshotFile.open(path: path, supported: supported ?? self.supported, required: required) }
    }

    /// What `open` says, with the temporary path replaced by FILE.
    func message(_ bytes: [UInt8], supported: [SectionTag: UInt32]? = nil, required: Set<SectionTag>? = []) throws -> String? {
        guard let error = try open(bytes, supported: supported, required: required) else { return nil }
        return error.description.replacingOccurrences(of: error.file, with: "FILE")
    }

    var valid: RawSnapshot {
        var file = RawSnapshot()
        file.sections = [.init("CONF", payload: [1, 2, 3]), .init("VCPU", version: 2, payload: Array(repeating: 7, count: 24))]
        return file
    }

    @Test func theHandBuiltFileIsAccepted() throws {
        #expect(try open(valid.bytes) == nil)
    }

    @Test func aNewerSectionVersionIsRefusedNamingIt() throws {
        var file = valid
        file.sections.append(.init("LAPI", version: 3, payload: [0]))
        #expect(try message(file.bytes) == #"snapshot FILE: section "LAPI" version 3 is newer than this swiftvm supports (≤ 1)"#)
        file.sections[2].version = 0
        #expect(try message(file.bytes) == #"snapshot FILE: section "LAPI" has version 0, which no swiftvm writes"#)
        file.sections[2].version = 1
        #expect(try open(file.bytes) == nil, "an older or equal version is read")
    }

    @Test func aNewerFormatIsRefusedBeforeAnythingElse() throws {
        var file = valid
        file.formatVersion = 2
        #expect(try message(file.bytes) == "snapshot FILE: format version 2 is newer than this swiftvm supports (≤ 1)")
        file.formatVersion = 0
        #expect(try message(file.bytes) == "snapshot FILE: header field format version: 0 is not a format version")
    }

    @Test func anUnknownTagIsRefusedNamingItAndItsIndex() throws {
        var file = valid
        file.sections.append(.init("ZZZZ", payload: [1]))
        #expect(try message(file.bytes) == #"snapshot FILE: section 2 has unknown tag "ZZZZ""#)
        file.sections[2].tag = [0x4D, 0x00, 0xFF, 0x22]
        #expect(try message(file.bytes) == #"snapshot FILE: section 2 has unknown tag "M\x00\xff\x22""#)
    }

    @Test func aChecksumMismatchNamesTheSection() throws {
        var file = valid
        file.sections[1].checksum = 0x1234
        let text = try #require(try message(file.bytes))
        #expect(text.hasPrefix(#"snapshot FILE: checksum mismatch in section "VCPU" (stored 0x1234, computed 0x"#))
    }

    @Test func oversizedAndPastTheEndLengthsAreRefused() throws {
        var file = valid
        file.sections[1].length = SnapshotFormat.maximumSectionLength + 1
        #expect(try message(file.bytes) == #"snapshot FILE: section "VCPU" length 2199023255553 is above the limit 2199023255552"#)
        file.sections[1].length = 25
        let text = try #require(try message(file.bytes))
        #expect(text.hasPrefix(#"snapshot FILE: truncated in section "VCPU": its 25 bytes at offset"#))
        file.sections[1].length = 23
        #expect(try open(file.bytes) != nil, "a shorter length leaves bytes the count does not cover")
    }

    @Test func sectionsOutOfOrderOrTwiceAreRefused() throws {
        var file = valid
        file.sections.swapAt(0, 1)
        #expect(try message(file.bytes) == #"snapshot FILE: section "CONF" comes after "VCPU", out of the fixed order"#)
        file = valid
        file.sections.append(file.sections[1])
        #expect(try message(file.bytes) == #"snapshot FILE: section "VCPU" appears twice"#)
    }

    @Test func aMissingRequiredSectionIsRefusedByName() throws {
        #expect(try message(valid.bytes, required: nil) == #"snapshot FILE: required section "LAPI" is missing"#)
        #expect(try message(valid.bytes, required: [.configuration, .vcpu]) == nil)
        #expect(try message(valid.bytes, required: [.memory]) == #"snapshot FILE: required section "MEMR" is missing"#)
    }

    @Test func headerDamageIsRefused() throws {
        var file = valid
        file.flags = 1
        #expect(try message(file.bytes) == "snapshot FILE: header field flags: 0x1 has bits format 1 does not define")
        file = valid
        file.sectionCount = 3
        #expect(try message(file.bytes) == "snapshot FILE: truncated in the header of section 2 (at offset \(file.bytes.count))")
        file.sectionCount = 1
        #expect(try message(file.bytes) == "snapshot FILE: \(file.bytes.count - 49 - 20 - 3) bytes after the last section (at offset \(49 + 20 + 3))")
        file.sectionCount = 5000
        #expect(try message(file.bytes) == "snapshot FILE: header field section count: 5000 is above the limit 1024")
        file = valid
        file.machineType = "bad\u{FFFD}"
        var bytes = file.bytes
        bytes[27...29] = [0xFF, 0xFE, 0xFD]
        let crc = CRC32.of(Array(bytes[0..<(32 + 6 + 6 - 4)]))
        bytes[40..<44] = ArraySlice((0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * $0)) })
        #expect(try message(bytes) == "snapshot FILE: header field machine type: is not valid UTF-8")
        #expect(try message(Array("#!/bin/sh\n".utf8)) == "snapshot FILE: not a swiftvm snapshot (no SWIFTVM magic)")
        #expect(try message([]) == "snapshot FILE: truncated in the header")
    }

    @Test func aFileThatCannotBeOpenedNamesTheCall() throws {
        let directory = try TemporaryDirectory()
        let error = snapshotError { () throws(SnapshotError) in try SnapshotFile.open(path: directory.file("absent.snap"), supported: supported) }
        #expect(error?.description == "snapshot \(directory.file("absent.snap")): open: No such file or directory (errno 2)")
        let notRegular = snapshotError { () throws(SnapshotError) in try SnapshotFile.open(path: directory.path, supported: supported) }
        #expect(notRegular?.description.contains("not a regular file") == true)
    }

    /// Every prefix of a complete file (memory included) is refused; the full file is accepted.
    @Test func truncatedAtEveryByteIsRefused() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("t.snap")
        try SampleSnapshot.write(to: path)
        let whole = try directory.contents("t.snap")
        #expect(snapshotError { () throws(SnapshotError) in try SnapshotFile.open(path: path, supported: SampleSnapshot.supported) } == nil)
        var refused = 0
        for length in stride(from: whole.count - 1, through: 0, by: -1) {
            #expect(truncate(path, off_t(length)) == 0)
            let error = snapshotError { () throws(SnapshotError) in try SnapshotFile.open(path: path, supported: SampleSnapshot.supported) }
            guard let error else {
                Issue.record("a file cut to \(length) of \(whole.count) bytes was accepted")
                continue
            }
            #expect(error.file == path)
            #expect(!error.description.contains("\n"))
            refused += 1
        }
        #expect(refused == whole.count)
    }

    /// Every single-bit flip in the header, in a small section and in the memory section's fields and
    /// the start of its first page is refused (the flip is made in place and undone after each open).
    @Test func everySingleBitFlipIsRefused() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("t.snap")
        try SampleSnapshot.write(to: path)
        let whole = try directory.contents("t.snap")
        let file = try SnapshotFile.open(path: path, supported: SampleSnapshot.supported)
        let vcpu = try #require(file.entry(.vcpu)), memory = try #require(file.entry(.memory))
        let sectionHeader = SnapshotFormat.sectionHeaderSize
        let regions = [0..<(Int(file.sections[0].offset) - sectionHeader),
                       (Int(vcpu.offset) - sectionHeader)..<Int(vcpu.offset + vcpu.length),
                       (Int(memory.offset) - sectionHeader)..<Int(memory.offset + 8 + 16 + 256)]
        let fd = Glibc.open(path, O_WRONLY)
        #expect(fd >= 0)
        defer { close(fd) }
        var flips = 0
        for region in regions {
            for byte in region {
                for bit in 0..<8 {
                    var damaged = whole[byte] ^ (1 << bit)
                    #expect(pwrite(fd, &damaged, 1, off_t(byte)) == 1)
                    let error = snapshotError { () throws(SnapshotError) in try SnapshotFile.open(path: path, supported: SampleSnapshot.supported) }
                    if error == nil { Issue.record("flipping bit \(bit) of byte \(byte) was not noticed") }
                    var original = whole[byte]
                    #expect(pwrite(fd, &original, 1, off_t(byte)) == 1)
                    flips += 1
                }
            }
        }
        #expect(flips == 8 * regions.reduce(0) { $0 + $1.count })
        #expect(snapshotError { () throws(SnapshotError) in try SnapshotFile.open(path: path, supported: SampleSnapshot.supported) } == nil)
    }
}
