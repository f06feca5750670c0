import TestSupport
import Foundation
import Testing
@testable import Snapshot

@Suite struct RoundTripTests {
    @Test func aWrittenFileReadsBackSectionBySection() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("t.snap")
        try SampleSnapshot.write(to: path)
        #expect(try directory.names() == ["t.snap"], "FILE.tmp is renamed away")

        let file = try SnapshotFile.open(path: path, supported: SampleSnapshot.supported)
        #expect(file.header == SampleSnapshot.header)
        #expect(file.header.formatVersion == 1)
        #expect(file.sections.map(\.tag) == [.configuration, .vcpu, .memory])
        #expect(file.sections.map(\.version) == [1, 2, 1])
        #expect(try file.section(.vcpu) == SampleSnapshot.vcpu)
        #expect(try file.section(.localAPIC) == nil)

        var reader = try #require(try file.reader(.configuration))
        #expect(try reader.string(field: "machine") == "swiftvm-1.0")
        #expect(try reader.u64("memory size") == 0x18000)
        #expect(try reader.u32("cpus") == 1)
        try reader.finish()
    }

    @Test func memoryKeepsOnlyTouchedNonZeroPagesInRuns() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("t.snap")
        try SampleSnapshot.write(to: path)
        let file = try SnapshotFile.open(path: path, supported: SampleSnapshot.supported)
        let runs = try file.memoryRuns(ram: SampleSnapshot.ram)
        #expect(runs.map(\.address) == [0x1000, 0x100000])
        #expect(runs.map(\.length) == [0x2000, 0x1000])

        var restored: [UInt64: [UInt8]] = [:]
        try file.readMemory(ram: SampleSnapshot.ram) { run, address, bytes in
            restored[address] = Array(bytes)
            #expect(address >= run.address && address + UInt64(bytes.count) <= run.address + run.length)
        }
        #expect(restored == [0x1000: SampleSnapshot.memory(0x1000, 0x2000), 0x100000: SampleSnapshot.memory(0x100000, 0x1000)])
        // count + two run headers + three pages.
        #expect(file.entry(.memory)?.length == 8 + 2 * 16 + 3 * 4096)
    }

    @Test func fieldCodecRoundTripsEveryWidth() throws {
        var writer = StateWriter()
        writer.u8(0xAB)
        writer.u16(0xBEEF)
        writer.u32(0xDEADBEEF)
        writer.u64(0x0123_4567_89AB_CDEF)
        writer.i32(-5)
        writer.i64(Int64.min)
        writer.bool(true)
        writer.bytes([1, 2, 3])
        writer.string("ünïcode")
        #expect(Array(writer.bytes[1..<3]) == [0xEF, 0xBE], "little-endian")
        var reader = StateReader(writer.bytes, section: .devices)
        #expect(try reader.u8("a") == 0xAB)
        #expect(try reader.u16("b") == 0xBEEF)
        #expect(try reader.u32("c") == 0xDEADBEEF)
        #expect(try reader.u64("d") == 0x0123_4567_89AB_CDEF)
        #expect(try reader.i32("e") == -5)
        #expect(try reader.i64("f") == Int64.min)
        #expect(try reader.bool("g"))
        #expect(try reader.bytes(count: 3, field: "h") == [1, 2, 3])
        #expect(try reader.string(field: "i") == "ünïcode")
        try reader.finish()
    }

    @Test func streamedSectionsAreWrittenInPiecesWithTheRightChecksum() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("s.snap")
        let payload = (0..<(3 << 20) + 5).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        var writer = try SnapshotFileWriter(path: path, header: SampleSnapshot.header)
        try writer.appendStreamed(.vcpu, version: 1, length: UInt64(payload.count)) { stream in
            // Small writes (buffered), a write bigger than the buffer (direct), then the rest.
            try stream.write(Array(payload[0..<10]))
            try stream.write(Array(payload[10..<((2 << 20) + 10)]))
            try stream.write(Array(payload[((2 << 20) + 10)...]))
        }
        try writer.commit()
        let file = try SnapshotFile.open(path: path, supported: [.vcpu: 1])
        #expect(file.size == writer.size)
        #expect(try file.section(.vcpu) == payload)
    }
}
