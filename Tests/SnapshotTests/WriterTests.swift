import TestSupport
import Foundation
import Testing
@testable import Snapshot

/// FILE appears only complete: a failed or abandoned write leaves no FILE.tmp and the old FILE intact.
@Suite struct WriterTests {
    let header = SampleSnapshot.header

    @Test func aDroppedWriterRemovesTheTemporaryFile() throws {
        let directory = try TemporaryDirectory()
        do {
            var writer = try SnapshotFileWriter(path: directory.file("t.snap"), header: header)
            try writer.append(.vcpu, version: 1, payload: [1, 2, 3])
            #expect(try directory.names() == ["t.snap.tmp"])
        }
        #expect(try directory.names() == [])
    }

    @Test func aStreamOfTheWrongLengthFailsAndLeavesTheOldFile() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write([9, 9, 9], to: "t.snap")
        var writer = try SnapshotFileWriter(path: path, header: header)
        let short = snapshotError { () throws(SnapshotError) in
            try writer.appendStreamed(.vcpu, version: 1, length: 10) { stream in try stream.write([1, 2, 3]) }
        }
        #expect(short?.description == "snapshot \(path): writing section \"VCPU\": declared 10 bytes but wrote 3")
        #expect(try directory.names() == ["t.snap"])
        #expect(try directory.contents("t.snap") == [9, 9, 9])
        let after = snapshotError { () throws(SnapshotError) in try writer.commit() }
        #expect(after?.description == "snapshot \(path): writing: an earlier write failed or the file was abandoned")

        var again = try SnapshotFileWriter(path: path, header: header)
        let long = snapshotError { () throws(SnapshotError) in
            try again.appendStreamed(.vcpu, version: 1, length: 2) { stream in try stream.write([1, 2, 3]) }
        }
        #expect(long?.description == "snapshot \(path): writing section \"VCPU\": writes more than the declared 2 bytes")
        #expect(try directory.names() == ["t.snap"])
    }

    @Test func aFailingPayloadWriterIsNamed() throws {
        struct Boom: Error {}
        let directory = try TemporaryDirectory()
        var writer = try SnapshotFileWriter(path: directory.file("t.snap"), header: header)
        let error = snapshotError { () throws(SnapshotError) in try writer.appendStreamed(.devices, version: 1, length: 1) { _ in throw Boom() } }
        #expect(error?.description.hasSuffix("writing section \"DEVS\": the payload writer failed: Boom()") == true)
        #expect(try directory.names() == [])
    }

    @Test func sectionsOutOfOrderTwiceOrAtVersionZeroAreRefused() throws {
        let directory = try TemporaryDirectory()
        var writer = try SnapshotFileWriter(path: directory.file("a.snap"), header: header)
        try writer.append(.vcpu, version: 1, payload: [])
        #expect(snapshotError { () throws(SnapshotError) in try writer.append(.configuration, version: 1, payload: []) }?.description
                    .hasSuffix("writing section \"CONF\": must come before \"VCPU\"") == true)
        writer = try SnapshotFileWriter(path: directory.file("b.snap"), header: header)
        try writer.append(.vcpu, version: 1, payload: [])
        #expect(snapshotError { () throws(SnapshotError) in try writer.append(.vcpu, version: 1, payload: []) }?.description
                    .hasSuffix("writing section \"VCPU\": appears twice") == true)
        writer = try SnapshotFileWriter(path: directory.file("c.snap"), header: header)
        #expect(snapshotError { () throws(SnapshotError) in try writer.append(.vcpu, version: 0, payload: []) }?.description
                    .hasSuffix("writing section \"VCPU\": version 0 is not a version") == true)
        #expect(try directory.names() == [])
    }

    @Test func commitReplacesAnOldFileWhole() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(Array(repeating: 1, count: 100_000), to: "t.snap")
        try SampleSnapshot.write(to: path)
        #expect(try directory.names() == ["t.snap"])
        let file = try SnapshotFile.open(path: path, supported: SampleSnapshot.supported)
        #expect(file.size == UInt64(try directory.contents("t.snap").count))
        #expect(snapshotError { () throws(SnapshotError) in var writer = try SnapshotFileWriter(path: path, header: header); try writer.commit(); try writer.commit() }?
                    .description == "snapshot \(path): writing: the file is already committed")
        #expect(try SnapshotFile.open(path: path, supported: [:]).sections.isEmpty, "an empty snapshot is a valid file")
    }

    @Test func onlyTheCurrentFormatIsWritten() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("t.snap")
        let newer = SnapshotHeader(formatVersion: 2, machineType: "swiftvm-1.0", swiftvmVersion: "x")
        #expect(snapshotError { () throws(SnapshotError) in try SnapshotFileWriter(path: path, header: newer) }?.description
                    == "snapshot \(path): writing: this swiftvm writes format 1, not 2")
        #expect(try directory.names() == [])
    }

    @Test func aDirectoryThatDoesNotExistIsAnIOError() {
        let error = snapshotError { () throws(SnapshotError) in try SnapshotFileWriter(path: "/nonexistent-dir/t.snap", header: header) }
        #expect(error?.description == "snapshot /nonexistent-dir/t.snap: create /nonexistent-dir/t.snap.tmp: No such file or directory (errno 2)")
    }

    @Test func tagsAreFourPrintableASCIIBytes() {
        #expect(SectionTag("MEM ")?.description == "MEM ")
        #expect(SectionTag("MEM") == nil)
        #expect(SectionTag("MEMRY") == nil)
        #expect(SectionTag("ME\u{7}R") == nil)
        #expect(SectionTag.fileOrder.map(\.description) == ["CONF", "VCPU", "LAPI", "IRQC", "PIT2", "CLCK", "DEVS", "VIRT", "MEMR"])
        #expect(SectionTag("ZZZZ")!.comesAfter(.memory))
        #expect(SectionTag("ZZZZ")!.comesAfter(SectionTag("AAAA")!))
        #expect(!SectionTag("AAAA")!.comesAfter(SectionTag("ZZZZ")!))
    }
}

/// StateReader refuses short, malformed and left-over payloads naming the section and the field.
@Suite struct StateReaderTests {
    @Test func errorsNameSectionAndField() throws {
        var writer = StateWriter()
        writer.u16(7)
        writer.u8(2)
        var reader = StateReader(writer.bytes, section: .localAPIC, file: "/x/t.snap")
        #expect(snapshotError { () throws(SnapshotError) in try reader.u32("timer initial count") }?.description
                    == #"snapshot /x/t.snap: section "LAPI" field timer initial count: needs 4 bytes, 3 left in the section"#)
        #expect(try reader.u16("id") == 7)
        #expect(snapshotError { () throws(SnapshotError) in try reader.finish() }?.description
                    == #"snapshot /x/t.snap: section "LAPI" field (end): 1 bytes left over after the last field at offset 2"#)
        #expect(snapshotError { () throws(SnapshotError) in try reader.bool("enabled") }?.description
                    == #"snapshot /x/t.snap: section "LAPI" field enabled: 2 is not a boolean (0 or 1)"#)
        #expect(snapshotError { () throws(SnapshotError) in try reader.bytes(count: 1, field: "x") }?.description.contains("needs 1 bytes, 0 left") == true)
    }

    @Test func stringsAreCheckedForLengthAndUTF8() {
        var writer = StateWriter()
        writer.u32(2)
        writer.bytes([0xC3, 0x28])
        var reader = StateReader(writer.bytes, section: .configuration)
        #expect(snapshotError { () throws(SnapshotError) in try reader.string(field: "cmdline") }?.description
                    == #"snapshot: section "CONF" field cmdline: is not valid UTF-8"#)
        var long = StateReader([0xFF, 0xFF, 0xFF, 0xFF], section: .configuration)
        #expect(snapshotError { () throws(SnapshotError) in try long.string(field: "kernel") }?.description
                    == #"snapshot: section "CONF" field kernel: needs 4294967295 bytes, 0 left in the section"#)
    }

    @Test func aFileReaderNamesTheFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("t.snap")
        try SampleSnapshot.write(to: path)
        var reader = try #require(try SnapshotFile.open(path: path, supported: SampleSnapshot.supported).reader(.vcpu))
        _ = try reader.bytes(count: 40, field: "registers")
        #expect(snapshotError { () throws(SnapshotError) in try reader.u8("extra") }?.description
                    == #"snapshot \#(path): section "VCPU" field extra: needs 1 bytes, 0 left in the section"#)
    }
}
