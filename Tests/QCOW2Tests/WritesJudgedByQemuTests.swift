import Foundation
import Testing
import BlockBackends
@testable import QCOW2
import TestSupport

/// Images swiftvm wrote: `qemu-img check` finds no errors and no leaks, and `qemu-img compare` finds them
/// equal to a raw image that took the same writes. Snapshots and backing files stay as they were.
@Suite(.enabled(if: QemuTools.available, QemuTools.skipReason))
struct WritesJudgedByQemuTests {
    struct Layout: CustomTestStringConvertible, Sendable {
        var version: UInt32
        var clusterSize: UInt64
        var refcountOrder: UInt32
        var testDescription: String { "v\(version), \(clusterSize)-byte clusters, \(1 << refcountOrder)-bit refcounts" }
    }

    static let layouts = [
        Layout(version: 2, clusterSize: 65536, refcountOrder: 4),
        Layout(version: 3, clusterSize: 4096, refcountOrder: 4),
        Layout(version: 3, clusterSize: 65536, refcountOrder: 4),
        Layout(version: 3, clusterSize: 2 << 20, refcountOrder: 4),
        Layout(version: 3, clusterSize: 65536, refcountOrder: 0),
        Layout(version: 3, clusterSize: 4096, refcountOrder: 6),
    ]

    /// The image and a raw twin took the same writes; qemu-img is the judge.
    private func judge(_ image: String, _ raw: String, file: String = #fileID) throws {
        let check = try QemuTools.check(image)
        #expect(check.status == 0 && check.corruptions == 0 && check.leaks == 0, "qemu-img check: \(check.text)")
        #expect(try QemuTools.same(image, "qcow2", raw, "raw"), "qemu-img compare found a difference")
        #expect(try QCOW2Image(path: image, readOnly: true).check().isClean)
    }

    @Test(arguments: layouts)
    func randomWritesOnAFreshImage(layout: Layout) throws {
        let scratch = try TemporaryDirectory(prefix: "qcow2")
        let size = 8 << 20
        let image = scratch.file("img.qcow2")
        try QCOW2Creator.create(path: image, options: QCOW2CreateOptions(size: UInt64(size), clusterSize: layout.clusterSize,
                                                                          version: layout.version, refcountOrder: layout.refcountOrder))
        try judge(image, try scratch.write([UInt8](repeating: 0, count: size), to: "empty.raw"))
        let raw = try scratch.write([UInt8](repeating: 0, count: size), to: "twin.raw")
        do {
            let disk = try QCOW2Image(path: image)
            try applyWrites([disk, try RawImage(path: raw)], count: 120, maximum: 200_000, seed: layout.clusterSize &+ UInt64(layout.refcountOrder))
            #expect(try readAll(disk) == scratch.contents("twin.raw"))
        }
        let info = try QemuTools.run(QemuTools.img, ["info", "-f", "qcow2", image]).stdout
        #expect(info.contains("cluster_size: \(layout.clusterSize)"))
        try judge(image, raw)
    }

    /// 512-byte clusters with 64-bit refcounts: a refcount block counts 64 clusters and the one-cluster
    /// table 64 blocks (2 MiB), so writing 6 MiB makes the table grow (and move) twice.
    @Test func theRefcountTableGrowsWhenTheFileOutgrowsIt() throws {
        let scratch = try TemporaryDirectory(prefix: "qcow2")
        let size = 6 << 20
        let image = scratch.file("small-clusters.qcow2")
        try QCOW2Creator.create(path: image, options: QCOW2CreateOptions(size: UInt64(size), clusterSize: 512, refcountOrder: 6))
        let raw = try scratch.write([UInt8](repeating: 0, count: size), to: "twin.raw")
        do {
            let disk = try QCOW2Image(path: image)
            let data = referenceContent(size: size, seed: 9)
            for offset in stride(from: 0, to: size, by: 256 << 10) {
                try disk.write(data[offset..<(offset + (256 << 10))], at: UInt64(offset))
            }
            try disk.flush()
            try RawImage(path: raw).write(data, at: 0)
        }
        let reopened = try QCOW2Image(path: image, readOnly: true)
        #expect(reopened.header.refcountTableClusters > 1)
        try judge(image, raw)
    }

    @Test func writesIntoQemuImagesOfEachKind() throws {
        let scratch = try TemporaryDirectory(prefix: "qcow2")
        let size = 4 << 20
        let reference = referenceContent(size: size, seed: 5)
        let source = try scratch.write(reference, to: "source.raw")
        for (name, options) in [("v2", ["-o", "compat=0.10"]), ("v3-4k", ["-o", "cluster_size=4096"]), ("compressed", ["-c"])] {
            let image = scratch.file("\(name).qcow2")
            _ = try QemuTools.run(QemuTools.img, ["convert", "-f", "raw", "-O", "qcow2"] + options + [source, image])
            let raw = try scratch.write(reference, to: "\(name).raw")
            try applyWrites([try QCOW2Image(path: image), try RawImage(path: raw)], count: 200, maximum: 100_000, seed: 77)
            try judge(image, raw)
        }
    }

    @Test func snapshotsStayIntactAfterWritesToTheActiveLayer() throws {
        let scratch = try TemporaryDirectory(prefix: "qcow2")
        let size = 4 << 20
        let image = scratch.file("snap.qcow2")
        let reference = referenceContent(size: size, seed: 6)
        let source = try scratch.write(reference, to: "source.raw")
        try QemuTools.img("convert", "-f", "raw", "-O", "qcow2", source, image)
        try QemuTools.img("snapshot", "-c", "before", image)
        let raw = try scratch.write(reference, to: "twin.raw")
        try applyWrites([try QCOW2Image(path: image), try RawImage(path: raw)], count: 200, maximum: 150_000, seed: 8)
        try judge(image, raw)
        let list = try QemuTools.run(QemuTools.img, ["snapshot", "-l", image]).stdout
        #expect(list.contains("before"))
        #expect(try QemuTools.flatten(image, snapshot: "before", scratch: scratch) == reference)
        // A second round after another snapshot: clusters shared by two snapshots.
        try QemuTools.img("snapshot", "-c", "middle", image)
        let middle = try scratch.contents("twin.raw")
        try applyWrites([try QCOW2Image(path: image), try RawImage(path: raw)], count: 100, maximum: 150_000, seed: 9)
        try judge(image, raw)
        #expect(try QemuTools.flatten(image, snapshot: "before", scratch: scratch) == reference)
        #expect(try QemuTools.flatten(image, snapshot: "middle", scratch: scratch) == middle)
        // qemu-img can still revert to the first snapshot and finds the image consistent.
        try QemuTools.img("snapshot", "-a", "before", image)
        #expect(try QemuTools.flatten(image, scratch: scratch) == reference)
        #expect(try QemuTools.check(image).status == 0)
    }

    @Test func writesToAnOverlayCopyOnWriteAndLeaveTheChainAlone() throws {
        let scratch = try TemporaryDirectory(prefix: "qcow2")
        let size = 4 << 20
        let reference = referenceContent(size: size, seed: 10)
        let base = try scratch.write(reference, to: "base.raw")
        let middle = scratch.file("middle.qcow2"), top = scratch.file("top.qcow2")
        try QemuTools.img("create", "-f", "qcow2", "-o", "cluster_size=4096", "-b", "base.raw", "-F", "raw", middle)
        try QemuTools.io(middle, "write -P 0x11 100000 300000")
        let middleBytes = try scratch.contents("middle.qcow2")
        try QCOW2Creator.create(path: top, options: QCOW2CreateOptions(backingFile: "middle.qcow2"))
        let flattened = try QemuTools.flatten(top, scratch: scratch)
        let raw = try scratch.write(flattened, to: "twin.raw")
        let disk = try QCOW2Image(path: top)
        #expect(disk.backingFormat == .qcow2 && disk.size == UInt64(size))
        try applyWrites([disk, try RawImage(path: raw)], count: 150, maximum: 50_000, seed: 11)
        try judge(top, raw)
        #expect(try scratch.contents("base.raw") == reference, "the base changed")
        #expect(try scratch.contents("middle.qcow2") == middleBytes, "the middle image changed")
        let info = try QemuTools.run(QemuTools.img, ["info", top]).stdout
        #expect(info.contains("backing file: middle.qcow2") && info.contains("backing file format: qcow2"))
    }

    @Test func compressedClustersSwiftvmWritesReadInQemu() throws {
        let scratch = try TemporaryDirectory(prefix: "qcow2")
        let size = 2 << 20
        let reference = referenceContent(size: size, seed: 12)
        let image = scratch.file("packed.qcow2")
        try QCOW2Creator.create(path: image, options: QCOW2CreateOptions(size: UInt64(size), clusterSize: 65536))
        do {
            let disk = try QCOW2Image(path: image)
            for cluster in 0..<(size / 65536) {
                try disk.writeCompressed(cluster: UInt64(cluster), Array(reference[(cluster * 65536)..<((cluster + 1) * 65536)]))
            }
            #expect(try disk.check().compressedGuestClusters > 0)
        }
        let raw = try scratch.write(reference, to: "twin.raw")
        try judge(image, raw)
        #expect(try QemuTools.check(image).compressedClusters > 0, "qemu-img counts no compressed clusters")
    }
}
