import TestSupport
import Foundation
import Testing
@testable import Snapshot

/// Fuzz/Corpus/make-seeds.py writes snapshot files in Python from the layout in docs/snapshot-format.md
/// (its own zlib CRC): the module must read them as the seed names say, which checks the document
/// against the code from outside.
@Suite struct DocumentedLayoutTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fuzz/Corpus/fuzz-snapshot").standardized.path
    let supported: [SectionTag: UInt32] = Dictionary(uniqueKeysWithValues: SectionTag.fileOrder.map { ($0, $0 == .vcpu ? 2 : 1) })
    let ram = [RAMRange(start: 0, size: 0x4000), RAMRange(start: 0x6000, size: 0x3000)]

    /// The seed without its mode byte, as a file; nil after recording an issue when the seed is missing.
    func open(_ seed: String, in directory: TemporaryDirectory) throws -> Result<SnapshotFile, SnapshotError> {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.corpus + "/" + seed)))
        let path = try directory.write(Array(bytes.dropFirst()), to: seed)
        return Result { () throws(SnapshotError) in try SnapshotFile.open(path: path, supported: supported, required: []) }
    }

    @Test func validSeedsAreAccepted() throws {
        let directory = try TemporaryDirectory()
        let file = try open("memory-one-page.bin", in: directory).get()
        #expect(file.header == SnapshotHeader(machineType: "swiftvm-1.0", swiftvmVersion: "0.13.0"))
        #expect(file.sections.map(\.tag) == [.configuration, .vcpu, .devices, .memory])
        var configuration = try #require(try file.reader(.configuration))
        #expect(try configuration.string(field: "machine type") == "swiftvm-1.0")
        #expect(try configuration.u64("memory size") == 0x9000)
        #expect(try configuration.u32("cpus") == 1)
        try configuration.finish()
        let runs = try file.memoryRuns(ram: ram)
        #expect(runs.map(\.address) == [0x6000])
        let every = try open("every-section.bin", in: directory).get()
        #expect(every.sections.map(\.tag) == SectionTag.fileOrder)
        #expect(try open("empty.bin", in: directory).get().sections.isEmpty)
    }

    @Test func refusedSeedsAreRefusedForTheirReason() throws {
        let directory = try TemporaryDirectory()
        let outside = try open("memory-outside-ram.bin", in: directory).get()
        let error = snapshotError { () throws(SnapshotError) in try outside.memoryRuns(ram: ram) }
        #expect(error?.description.hasSuffix(#"section "MEMR" run 0 at 0x4000: is outside guest RAM [0x0, 0x4000) [0x6000, 0x9000)"#) == true)
        func refusal(_ seed: String) throws -> String? {
            guard case let .failure(error) = try open(seed, in: directory) else { return nil }
            return String(error.description.dropFirst("snapshot \(directory.file(seed)): ".count))
        }
        #expect(try refusal("newer-section.bin") == #"section "LAPI" version 3 is newer than this swiftvm supports (≤ 1)"#)
        #expect(try refusal("newer-format.bin") == "format version 2 is newer than this swiftvm supports (≤ 1)")
        #expect(try refusal("out-of-order.bin") == #"section "CONF" comes after "VCPU", out of the fixed order"#)
        #expect(try refusal("truncated.bin") == "truncated in the header of section 1 (at offset 96)")
    }
}
