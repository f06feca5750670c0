import Foundation
import Testing
import BlockBackends
@testable import QCOW2
import TestSupport

/// Images qemu-img and qemu-io made read back exactly: both versions, 4 KiB to 2 MiB clusters,
/// compressed clusters, zero clusters, internal snapshots, backing chains.
@Suite(.enabled(if: QemuTools.available, QemuTools.skipReason))
struct QemuCreatedImagesTests {
    let size = 4 << 20

    @Test(arguments: [("0.10", "65536"), ("1.1", "4096"), ("1.1", "65536"), ("1.1", "2097152"), ("0.10", "512")])
    func convertedImagesReadBackExactly(compat: String, clusterSize: String) throws {
        let scratch = try TemporaryDirectory(prefix: "qcow2")
        let reference = referenceContent(size: size)
        let raw = try scratch.write(reference, to: "ref.raw")
        let image = scratch.file("img.qcow2")
        try QemuTools.img("convert", "-f", "raw", "-O", "qcow2", "-o", "compat=\(compat),cluster_size=\(clusterSize)", raw, image)
        let disk = try QCOW2Image(path: image, readOnly: true)
        #expect(disk.header.version == (compat == "0.10" ? 2 : 3))
        #expect(disk.header.clusterSize == UInt64(clusterSize)!)
        #expect(disk.size == UInt64(size))
        #expect(try readAll(disk) == reference)
        #expect(try disk.check().isClean)
    }

    @Test(arguments: ["4096", "65536", "2097152"])
    func compressedImagesReadBackExactly(clusterSize: String) throws {
        let scratch = try TemporaryDirectory(prefix: "qcow2")
        let reference = referenceContent(size: size, seed: 2)
        let raw = try scratch.write(reference, to: "ref.raw")
        let image = scratch.file("img.qcow2")
        try QemuTools.img("convert", "-c", "-f", "raw", "-O", "qcow2", "-o", "cluster_size=\(clusterSize)", raw, image)
        let disk = try QCOW2Image(path: image, readOnly: true)
        let report = try disk.check()
        #expect(report.compressedGuestClusters > 0, "qemu-img stored nothing compressed")
        #expect(report.isClean, "\(report)")
        #expect(try readAll(disk) == reference)
    }

    @Test func zeroClustersReadAsZerosEvenOverABackingFile() throws {
        let scratch = try TemporaryDirectory(prefix: "qcow2")
        let base = try scratch.write([UInt8](repeating: 0xEE, count: size), to: "base.raw")
        let image = scratch.file("top.qcow2")
        try QemuTools.img("create", "-f", "qcow2", "-b", base, "-F", "raw", image)
        try QemuTools.io(image, "write -z 65536 131072", "write -P 0x33 1048576 4096", "write -z -u 3145728 65536")
        let disk = try QCOW2Image(path: image, readOnly: true)
        var expected = [UInt8](repeating: 0xEE, count: size)
        expected.replaceSubrange(65536..<(65536 + 131072), with: [UInt8](repeating: 0, count: 131072))
        expected.replaceSubrange(1_048_576..<(1_048_576 + 4096), with: [UInt8](repeating: 0x33, count: 4096))
        expected.replaceSubrange(3_145_728..<(3_145_728 + 65536), with: [UInt8](repeating: 0, count: 65536))
        #expect(try readAll(disk) == expected)
        #expect(disk.backingFormat == .raw)
    }

    @Test func aBackingChainOfRawAndQcow2ReadsThrough() throws {
        let scratch = try TemporaryDirectory(prefix: "qcow2")
        let reference = referenceContent(size: size, seed: 3)
        let base = try scratch.write(reference, to: "base.raw")
        let middle = scratch.file("middle.qcow2"), top = scratch.file("top.qcow2")
        try QemuTools.img("create", "-f", "qcow2", "-o", "cluster_size=4096", "-b", "base.raw", "-F", "raw", middle)
        try QemuTools.io(middle, "write -P 0x11 100000 70000")
        try QemuTools.img("create", "-f", "qcow2", "-b", "middle.qcow2", "-F", "qcow2", top)
        try QemuTools.io(top, "write -P 0x22 150000 1000", "write -P 0x44 4193280 1024")
        let disk = try QCOW2Image(path: top, readOnly: true)
        #expect(disk.backingPath == scratch.file("middle.qcow2"))
        #expect(try readAll(disk) == QemuTools.flatten(top, scratch: scratch))
    }

    @Test func anImageWithSnapshotsReadsItsActiveLayer() throws {
        let scratch = try TemporaryDirectory(prefix: "qcow2")
        let image = scratch.file("snap.qcow2")
        try QemuTools.img("create", "-f", "qcow2", image, "4M")
        try QemuTools.io(image, "write -P 0x01 0 1M")
        try QemuTools.img("snapshot", "-c", "first", image)
        try QemuTools.io(image, "write -P 0x02 512k 1M")
        try QemuTools.img("snapshot", "-c", "second", image)
        let disk = try QCOW2Image(path: image, readOnly: true)
        #expect(disk.snapshots.map(\.name) == ["first", "second"])
        #expect(try readAll(disk) == QemuTools.flatten(image, scratch: scratch))
        #expect(try disk.check().isClean)
    }
}
