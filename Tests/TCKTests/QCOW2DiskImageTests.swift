import Foundation
import Testing
import QCOW2
@testable import TCK

/// The catalog's qcow2 disks as tck makes them: the same guest-visible bytes as the raw pattern disk,
/// stored plain, compressed, or in a base image under an empty overlay.
@Suite struct QCOW2DiskImageTests {
    private let directory = NSTemporaryDirectory() + "tck-qcow2-test-\(UUID().uuidString)"

    private func guestBytes(_ path: String) throws -> [UInt8] {
        let image = try QCOW2Image(path: path, readOnly: true)
        return try image.read(at: 0, count: Int(image.size))
    }

    private func rawPattern(_ size: UInt64) throws -> [UInt8] {
        let path = directory + "/reference.img"
        try DiskImages.create(DiskSpec(sizeBytes: size, content: .pattern), at: path)
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func qcow2DisksHoldThePattern(backing: Bool, compressed: Bool) throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let size: UInt64 = (1 << 20) + 512 * 3    // a partial last cluster
        let entry = CatalogEntry(name: "blk", kernel: "k", disk: DiskSpec(sizeBytes: size, content: .pattern, format: .qcow2,
                                                                          backing: backing, compressed: compressed))
        let disk = try #require(try DiskImages.prepare(entry, driver: "swiftvm", directory: directory))
        #expect(disk.path == directory + "/swiftvm/blk.qcow2" && disk.format == .qcow2)
        #expect(try guestBytes(disk.path) == rawPattern(size))
        let image = try QCOW2Image(path: disk.path, readOnly: true)
        #expect(try image.check().isClean)
        if backing {
            let base = DiskImages.basePath(overlay: disk.path, compressed: compressed)
            #expect(image.backingPath == base && image.backingFormat == (compressed ? .qcow2 : .raw))
            #expect(try image.check().mappedGuestClusters == 0, "the overlay starts empty")
        }
        let stored = backing && compressed ? try QCOW2Image(path: DiskImages.basePath(overlay: disk.path, compressed: true), readOnly: true) : image
        #expect((try stored.check().compressedGuestClusters > 0) == compressed)
        // A second run starts from fresh files.
        #expect(image.header.version == 3)
        let again = try #require(try DiskImages.prepare(entry, driver: "swiftvm", directory: directory))
        #expect(try guestBytes(again.path) == rawPattern(size))
    }

    @Test func aZeroQcow2DiskMapsNothing() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/qemu/z.qcow2"
        try DiskImages.create(DiskSpec(sizeBytes: 64 << 20, content: .zero, format: .qcow2), at: path)
        let image = try QCOW2Image(path: path, readOnly: true)
        #expect(image.size == 64 << 20)
        #expect(try image.check().mappedGuestClusters == 0)
        #expect(try image.read(at: 0, count: 4096).allSatisfy { $0 == 0 })
    }
}
