import Foundation
import Testing
@testable import ABI

/// Record type 12 (docs/abi-records.md) as abiprobe lays it out.
func virtioRecord(device: UInt8 = 2, status: UInt8 = 0, features: UInt64, queues: [UInt16] = [256], msix: UInt16 = 2,
                  config: [UInt8] = virtioBlkConfig(), caps: [[UInt8]] = [commonCap(), msixCap()]) -> [UInt8] {
    let b = RecordBuilder()
    var payload: [UInt8] = [0, device, 0, status] + b.le(UInt16(0x1042)) + b.le(UInt16(2)) + b.le(features)
    payload += b.le(UInt16(queues.count)) + b.le(msix) + [UInt8(queues.count), UInt8(caps.count)] + b.le(UInt16(config.count))
    for size in queues { payload += b.le(size) }
    return payload + caps.flatMap { $0 } + config
}

/// A capability entry of record type 12: position, id, cfg_type, BAR, offset, length.
func commonCap(at position: UInt8 = 0x40, offset: UInt32 = 0) -> [UInt8] {
    let b = RecordBuilder()
    return [position, 0x09, 1, 4] + b.le(offset) + b.le(UInt32(0x1000))            // virtio common cfg, BAR4
}

func msixCap(at position: UInt8 = 0x98) -> [UInt8] {
    let b = RecordBuilder()
    return [position, 0x11, 0, 0] + b.le(UInt32(0)) + b.le(UInt32(0))               // MSI-X
}

func virtioBlkConfig(capacity: UInt64 = 0, segMax: UInt32 = 254, blkSize: UInt32 = 512) -> [UInt8] {
    let b = RecordBuilder()
    var config = b.le(capacity) + b.le(UInt32(0)) + b.le(segMax) + [0, 0, 0, 0] + b.le(blkSize)
    config += [UInt8](repeating: 0, count: 64 - config.count)
    config[34] = 1                                                               // num_queues
    return config
}

let blkFeatures: UInt64 = 1 << 32 | 1 << 29 | 1 << 28 | 1 << 9 | 1 << 6 | 1 << 2

@Suite struct VirtioABITests {
    @Test func decodesTheVirtioRecord() throws {
        let print = try fingerprint { $0.add(12, virtioRecord(features: blkFeatures)) }
        let function = try #require(print.abi.virtio?["00:02.0"])
        #expect(function.setup == "ok")
        #expect(function.deviceType == "0x0002" && function.deviceID == "0x1042")
        #expect(function.features == "0x0000000130000244")
        #expect(function.numQueues == "0x0001" && function.queueSizes == ["0x0100"] && function.msixVectors == "0x0002")
        #expect(function.capabilities.count == 2)
        #expect(function.capabilities[0] == VirtioCapability(position: "0x40", id: "0x09", cfgType: "0x01", bar: "0x04",
                                                               offset: "0x00000000", length: "0x00001000"))
        #expect(function.deviceConfig.count == 128)
    }

    @Test func malformedRecordIsAProblemNotATrap() throws {
        var builder = RecordBuilder()
        builder.add(12, Array(virtioRecord(features: blkFeatures).dropLast(3)))
        builder.add(12, [0, 2])
        let (view, problems) = FingerprintBuilder.view(from: try ABIRecordDecoder.decode(stream: builder.stream))
        #expect(view.virtio == nil)
        #expect(problems.count == 2)
    }

    @Test func noVirtioFunctionKeepsTheOldEncodingAndHash() throws {
        let print = try fingerprint { $0.cpuid([(0, 0, 1, 2, 3, 4)]) }
        #expect(print.abi.virtio == nil)
        let json = String(decoding: Fingerprint.canonicalJSON(print.abi), as: UTF8.self)
        #expect(!json.contains("virtio"))
        // A baseline written before the area existed decodes and hashes as it was written.
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Reports/abi/swiftvm-1.1.json")
        let baseline = try JSONDecoder().decode(Fingerprint.self, from: Data(contentsOf: url))
        #expect(baseline.abi.virtio == nil)
        #expect(Fingerprint.hash(abi: baseline.abi, programmed: baseline.programmed) == baseline.hash)
    }

    @Test func featureWithdrawnIsBreakingByName() throws {
        let old = try fingerprint { $0.add(12, virtioRecord(features: blkFeatures)) }
        let new = try fingerprint { $0.add(12, virtioRecord(features: blkFeatures & ~(1 << 9) | 1 << 5)) }
        let diff = ABIDiff.compare(old, new)
        let flush = try #require(diff.changes.first { $0.item == "virtio 00:02.0 VIRTIO_BLK_F_FLUSH" })
        #expect(flush.summary == "virtio 00:02.0 VIRTIO_BLK_F_FLUSH 1→0" && flush.compatibility == .breaking)
        #expect(flush.area == "virtio" && flush.subject == "virtio 00:02.0")
        let ro = try #require(diff.changes.first { $0.item == "virtio 00:02.0 VIRTIO_BLK_F_RO" })
        #expect(ro.summary == "virtio 00:02.0 VIRTIO_BLK_F_RO 0→1" && ro.compatibility == .compatible)
        #expect(diff.changes.count == 2)
    }

    @Test func queuesVectorsAndConfigFields() throws {
        let old = try fingerprint { $0.add(12, virtioRecord(features: blkFeatures)) }
        let grown = try fingerprint { $0.add(12, virtioRecord(features: blkFeatures, queues: [512, 256], msix: 3)) }
        let grow = ABIDiff.compare(old, grown)
        #expect(!grow.changes.isEmpty && grow.breaking.isEmpty)
        #expect(grow.changes.map(\.summary).contains("virtio 00:02.0 queue 0 max size 0x0100→0x0200"))
        let shrunk = ABIDiff.compare(grown, old)
        #expect(shrunk.breaking.map(\.item).sorted() == ["virtio 00:02.0 MSI-X vectors", "virtio 00:02.0 num_queues",
                                                          "virtio 00:02.0 queue 0 max size", "virtio 00:02.0 queue 1 max size"])

        let otherConfig = try fingerprint { $0.add(12, virtioRecord(features: blkFeatures, config: virtioBlkConfig(capacity: 2048, blkSize: 4096))) }
        let config = ABIDiff.compare(old, otherConfig)
        #expect(config.changes.map(\.summary) == ["virtio 00:02.0 config blk_size 0x00000200→0x00001000"])
        #expect(config.changes.first?.compatibility == .breaking)
        // Capacity is the disk's, not the machine's: capture context, never a change.
        #expect(config.contextChanges.contains { $0.hasPrefix("virtio 00:02.0 capacity") })
    }

    /// Capabilities are matched by kind: a reordered list only moves them (compatible); a structure in
    /// another place, or a capability gone, is breaking.
    @Test func capabilitiesAreComparedByKindNotByPlaceInTheList() throws {
        let old = try fingerprint { $0.add(12, virtioRecord(features: blkFeatures)) }
        let reordered = try fingerprint { $0.add(12, virtioRecord(features: blkFeatures, caps: [msixCap(at: 0x40), commonCap(at: 0x98)])) }
        let moved = ABIDiff.compare(old, reordered)
        #expect(moved.breaking.isEmpty)
        #expect(moved.changes.map(\.summary).sorted() == ["virtio 00:02.0 capability MSI-X position 0x98→0x40",
                                                           "virtio 00:02.0 capability virtio common position 0x40→0x98"])
        let elsewhere = try fingerprint { $0.add(12, virtioRecord(features: blkFeatures, caps: [commonCap(offset: 0x2000), msixCap()])) }
        #expect(ABIDiff.compare(old, elsewhere).breaking.map(\.summary)
                == ["virtio 00:02.0 capability virtio common BAR4 +0x00000000, length 0x00001000→BAR4 +0x00002000, length 0x00001000"])
        let noMSIX = try fingerprint { $0.add(12, virtioRecord(features: blkFeatures, caps: [commonCap()])) }
        #expect(ABIDiff.compare(old, noMSIX).breaking.map(\.item) == ["virtio 00:02.0 capability MSI-X"])
        #expect(ABIDiff.compare(noMSIX, old).changes.map(\.kind) == [.added])
    }

    @Test func functionAddedListsItsFeatures() throws {
        let old = try fingerprint { _ in }
        let new = try fingerprint { $0.add(12, virtioRecord(features: blkFeatures)) }
        let diff = ABIDiff.compare(old, new)
        #expect(diff.breaking.isEmpty)
        #expect(diff.changes.first?.item == "virtio 00:02.0" && diff.changes.first?.kind == .added)
        #expect(Set(diff.changes.dropFirst().map(\.item)) == Set(["VIRTIO_BLK_F_SEG_MAX", "VIRTIO_BLK_F_BLK_SIZE", "VIRTIO_BLK_F_FLUSH",
            "VIRTIO_F_INDIRECT_DESC", "VIRTIO_F_EVENT_IDX", "VIRTIO_F_VERSION_1"].map { "virtio 00:02.0 \($0)" }))
        #expect(ABIDiffResult.areas.firstIndex(of: "virtio") == ABIDiffResult.areas.firstIndex(of: "pci")! + 1)
    }

    @Test func featureNames() {
        #expect(VirtioFeatureNames.name(bit: 9, deviceType: 2) == "VIRTIO_BLK_F_FLUSH")
        #expect(VirtioFeatureNames.name(bit: 32, deviceType: 1) == "VIRTIO_F_VERSION_1")
        #expect(VirtioFeatureNames.name(bit: 9, deviceType: 1) == "feature bit 9")
        #expect(VirtioFeatureNames.name(bit: 14, deviceType: 2) == "VIRTIO_BLK_F_WRITE_ZEROES")
    }
}
