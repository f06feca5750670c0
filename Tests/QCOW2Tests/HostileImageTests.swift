import Foundation
import Testing
import BlockBackends
@testable import QCOW2
import TestSupport

/// An image file is hostile input: a damaged or crafted header or table is refused with an error that
/// names the field, never a trap and never an allocation the file's size does not justify. These images
/// are made by QCOW2Creator and then corrupted one field at a time (no qemu-img needed).
@Suite struct HostileImageTests {
    /// A fresh 1 MiB v3 image with 64 KiB clusters: header 0x0, refcount table 0x10000, block 0x20000, L1 0x30000.
    private func image(_ scratch: TemporaryDirectory, version: UInt32 = 3, backing: String? = nil) throws -> String {
        let path = scratch.file("hostile-\(UUID().uuidString).qcow2")
        try QCOW2Creator.create(path: path, options: QCOW2CreateOptions(size: 1 << 20, version: version, backingFile: backing,
                                                                         backingFormat: backing == nil ? nil : .raw))
        return path
    }

    private func patch(_ path: String, at offset: Int, _ bytes: [UInt8]) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: Data(bytes))
        try handle.close()
    }

    private func be(_ value: UInt64, _ width: Int) -> [UInt8] { (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64(width - 1 - $0))) } }

    /// Opening fails with the given kind and field.
    private func refused(_ path: String, readOnly: Bool = true, _ kind: QCOW2Error.Kind, _ field: String,
                         sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try QCOW2Image(path: path, readOnly: readOnly)
            Issue.record("the image was accepted; expected \(field) refused", sourceLocation: sourceLocation)
        } catch {
            #expect(error.kind == kind && error.field == field, "\(error)", sourceLocation: sourceLocation)
            #expect(error.description.contains(field), sourceLocation: sourceLocation)
        }
    }

    struct HeaderCase: Sendable, CustomTestStringConvertible {
        var offset: Int
        var value: UInt64
        var width: Int
        var kind: QCOW2Error.Kind
        var field: String
        var testDescription: String { "\(field) = \(value)" }
    }

    static let headerCases: [HeaderCase] = [
        HeaderCase(offset: 0, value: 0x5146_4900, width: 4, kind: .header, field: "magic"),
        HeaderCase(offset: 4, value: 4, width: 4, kind: .unsupported, field: "version"),
        HeaderCase(offset: 20, value: 8, width: 4, kind: .header, field: "cluster_bits"),
        HeaderCase(offset: 20, value: 22, width: 4, kind: .header, field: "cluster_bits"),
        HeaderCase(offset: 20, value: 0xFFFF_FFFF, width: 4, kind: .header, field: "cluster_bits"),
        HeaderCase(offset: 24, value: 1 << 62, width: 8, kind: .header, field: "l1_size"),     // size needs more L1 than there is
        HeaderCase(offset: 32, value: 1, width: 4, kind: .unsupported, field: "crypt_method"),
        HeaderCase(offset: 36, value: 0x1000_0000, width: 4, kind: .header, field: "l1_size"),  // 2 GiB L1 table
        HeaderCase(offset: 36, value: 0x10_0000, width: 4, kind: .header, field: "l1_table_offset"),  // 8 MiB past the file
        HeaderCase(offset: 40, value: 0x30001, width: 8, kind: .header, field: "l1_table_offset"),
        HeaderCase(offset: 40, value: 0, width: 8, kind: .header, field: "l1_table_offset"),
        HeaderCase(offset: 40, value: 0x7FFF_FFFF_FFFF_0000, width: 8, kind: .header, field: "l1_table_offset"),
        HeaderCase(offset: 40, value: 0x10000, width: 8, kind: .header, field: "l1_table_offset"),    // on the refcount table
        HeaderCase(offset: 48, value: 0x5_0000, width: 8, kind: .header, field: "refcount_table_offset"),
        HeaderCase(offset: 56, value: 0, width: 4, kind: .header, field: "refcount_table_clusters"),
        HeaderCase(offset: 56, value: 0xFFFF_FFFF, width: 4, kind: .header, field: "refcount_table_clusters"),
        HeaderCase(offset: 60, value: 0xFFFF_FFFF, width: 4, kind: .header, field: "nb_snapshots"),
        HeaderCase(offset: 60, value: 1000, width: 4, kind: .header, field: "snapshots_offset"),
        HeaderCase(offset: 72, value: 1 << 2, width: 8, kind: .unsupported, field: "incompatible_features"),
        HeaderCase(offset: 72, value: 1 << 4, width: 8, kind: .unsupported, field: "incompatible_features"),
        HeaderCase(offset: 72, value: 1 << 40, width: 8, kind: .unsupported, field: "incompatible_features"),
        HeaderCase(offset: 96, value: 7, width: 4, kind: .header, field: "refcount_order"),
        HeaderCase(offset: 100, value: 50, width: 4, kind: .header, field: "header_length"),
        HeaderCase(offset: 100, value: 0x20000, width: 4, kind: .header, field: "header_length"),
    ]

    @Test(arguments: headerCases)
    func aBadHeaderFieldIsRefusedByName(_ test: HeaderCase) throws {
        let scratch = try TemporaryDirectory(prefix: "qcow2")
        let path = try image(scratch)
        try patch(path, at: test.offset, be(test.value, test.width))
        refused(path, test.kind, test.field)
    }

    @Test func anUnknownIncompatibleFeatureIsNamedFromTheFeatureTable() throws {
        let scratch = try TemporaryDirectory(prefix: "qcow2")
        let path = try image(scratch)
        try patch(path, at: 72, be(1 << 3, 8))     // compression type, with a zstd compression_type byte
        // header_length 104 has no compression_type byte: the bit alone (zlib) is accepted.
        #expect(throws: Never.self) { _ = try QCOW2Image(path: path, readOnly: true) }
        try patch(path, at: 72, be(1 << 4, 8))
        do { _ = try QCOW2Image(path: path, readOnly: true); Issue.record("accepted") } catch {
            #expect(error.description.contains("'extended L2 entries' (bit 4)"), "\(error)")
        }
    }

    @Test func dirtyOrCorruptImagesOpenOnlyReadOnly() throws {
        let scratch = try TemporaryDirectory(prefix: "qcow2")
        for bit: UInt64 in [0, 1] {
            let path = try image(scratch)
            try patch(path, at: 72, be(1 << bit, 8))
            refused(path, readOnly: false, .readOnly, "incompatible_features")
            #expect(throws: Never.self) { _ = try QCOW2Image(path: path, readOnly: true) }
        }
    }

    @Test func aShortOrEmptyFileIsRefused() throws {
        let scratch = try TemporaryDirectory(prefix: "qcow2")
        let path = try scratch.write(Array("QFI".utf8) + [0xFB, 0, 0, 0, 3], to: "short.qcow2")
        refused(path, .header, "header")
    }

    @Test func backingNamesAreBounded() throws {
        let scratch = try TemporaryDirectory(prefix: "qcow2")
        _ = try scratch.write([UInt8](repeating: 0, count: 1 << 20), to: "base.raw")
        let path = try image(scratch, backing: "base.raw")
        let withBacking = try QCOW2Image(path: path, readOnly: true)
        let nameOffset = Int(withBacking.header.backingFileOffset)
        try patch(path, at: 16, be(2000, 4))
        refused(path, .header, "backing_file_size")
        try patch(path, at: 16, be(8, 4))
        try patch(path, at: 8, be(0xFFF8, 8))        // the name would run past the header cluster
        refused(path, .header, "backing_file_offset")
        try patch(path, at: 8, be(UInt64(nameOffset), 8))
        try patch(path, at: nameOffset, Array("gone.raw".utf8))
        refused(path, .backing, "backing file")
    }

    @Test func backingLoopsAndOverlongChainsAreRefused() throws {
        let scratch = try TemporaryDirectory(prefix: "qcow2")
        let first = scratch.file("a.qcow2"), second = scratch.file("b.qcow2")
        try QCOW2Creator.create(path: first, options: QCOW2CreateOptions(size: 1 << 20, backingFile: "b.qcow2", backingFormat: .qcow2))
        try QCOW2Creator.create(path: second, options: QCOW2CreateOptions(size: 1 << 20, backingFile: "a.qcow2", backingFormat: .qcow2))
        do { _ = try QCOW2Image(path: first, readOnly: true); Issue.record("a loop was accepted") } catch {
            #expect(error.kind == .backing && error.description.contains("loops"), "\(error)")
        }
        try QCOW2Creator.create(path: scratch.file("c0.qcow2"), options: QCOW2CreateOptions(size: 1 << 20))
        for level in 1...BackingChain.maximumDepth {
            try QCOW2Creator.create(path: scratch.file("c\(level).qcow2"),
                                    options: QCOW2CreateOptions(backingFile: "c\(level - 1).qcow2", backingFormat: .qcow2))
        }
        #expect(throws: Never.self) { _ = try QCOW2Image(path: scratch.file("c\(BackingChain.maximumDepth - 1).qcow2"), readOnly: true) }
        do { _ = try QCOW2Image(path: scratch.file("c\(BackingChain.maximumDepth).qcow2"), readOnly: true); Issue.record("17 deep accepted") } catch {
            #expect(error.kind == .backing && error.description.contains("deeper than 16"), "\(error)")
        }
    }

    /// Table entries are checked when used: the open succeeds, the access names the entry.
    @Test func badTableEntriesAreNamedWhenRead() throws {
        let scratch = try TemporaryDirectory(prefix: "qcow2")
        let path = try image(scratch)
        do { try QCOW2Image(path: path).write([UInt8](repeating: 7, count: 512), at: 0) }  // L2 at 0x40000, data at 0x50000
        func readError() -> String {
            do { _ = try QCOW2Image(path: path, readOnly: true).read(at: 0, count: 512); return "" } catch { return "\(error)" }
        }
        try patch(path, at: 0x30000, be(0x8000_0000_0100_0000, 8))     // L1 entry 0 → past the end of the file
        #expect(readError().contains("L2 table at 0x1000000"))
        try patch(path, at: 0x30000, be(0x8000_0000_0004_0001, 8))     // reserved bit
        #expect(readError().contains("L1 entry 0: reserved bits"))
        try patch(path, at: 0x30000, be(0x8000_0000_0004_0000, 8))
        try patch(path, at: 0x40000, be(0x8000_0000_0005_2000, 8))     // unaligned data cluster
        #expect(readError().contains("L2 entry for guest offset 0x0: host offset 0x52000 is not cluster-aligned"))
        try patch(path, at: 0x40000, be(0x4000_0000_0005_0000 | (3 << 54), 8))   // compressed: garbage
        #expect(readError().contains("do not inflate"))
        try patch(path, at: 0x40000, be(0x4000_0000_00FF_0000, 8))     // compressed past the end of the file
        #expect(readError().contains("past the end of the"))
    }

    @Test func aRefcountTableEntryWithReservedBitsStopsAllocation() throws {
        let scratch = try TemporaryDirectory(prefix: "qcow2")
        let path = try image(scratch)
        try patch(path, at: 0x10000, be(0x20001, 8))
        do { try QCOW2Image(path: path).write([1], at: 0); Issue.record("written") } catch {
            #expect("\(error)".contains("refcount table entry 0: reserved bits 0–8"), "\(error)")
        }
    }

    @Test func aProbedRawImageCannotBecomeQcow2() throws {
        let scratch = try TemporaryDirectory(prefix: "qcow2")
        let path = try scratch.write([UInt8](repeating: 0, count: 4096), to: "disk.raw")
        let probed = try DiskImageOpener.open(path: path)
        #expect(probed is ProbedRawImage)
        #expect(throws: BlockBackendError.self) { try probed.write([0x51, 0x46, 0x49, 0xFB], at: 0) }
        try probed.write([0x51, 0x46], at: 0)
        #expect(throws: BlockBackendError.self) { try probed.write([0x49, 0xFB], at: 2) }
        try probed.write([0x51, 0x46, 0x49, 0xFC], at: 0)
        let explicit = try DiskImageOpener.open(path: path, format: .raw)
        try explicit.write([0x51, 0x46, 0x49, 0xFB], at: 0)
        #expect(try DiskImageOpener.probe(path: path) == .qcow2)
    }
}
