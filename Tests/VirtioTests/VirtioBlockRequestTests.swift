import Foundation
import BlockBackends
import GuestMemory
import Testing
@testable import Virtio

/// virtio-blk requests end to end: driver → rings → device → backend → used ring and status byte.
@Suite struct VirtioBlockRequestTests {
    static let typeIn: UInt32 = 0, typeOut: UInt32 = 1, typeFlush: UInt32 = 4, typeGetID: UInt32 = 8

    func sector(_ disk: MemoryDisk, _ number: Int, count: Int = 1) -> [UInt8] {
        Array(disk.contents[number * 512..<(number + count) * 512])
    }

    @Test func readReturnsTheSectorsAndReportsTheLength() throws {
        let disk = MemoryDisk(sectors: 64)
        let driver = try GuestDriver(backend: disk)
        #expect(driver.initialize())
        let request = driver.blockRequest(type: Self.typeIn, sector: 5, dataLength: 3 * 512)
        #expect(driver.statusByte(request) == 0)
        #expect(driver.data(request) == sector(disk, 5, count: 3))
        #expect(driver.usedIndex == 1)
        #expect(driver.usedElement(0).id == UInt32(request.head) && driver.usedElement(0).length == 3 * 512 + 1)
    }

    @Test func writeReachesTheBackend() throws {
        let disk = MemoryDisk(sectors: 64)
        let driver = try GuestDriver(backend: disk)
        #expect(driver.initialize())
        let pattern = (0..<1024).map { UInt8(truncatingIfNeeded: $0 * 13 + 1) }
        let request = driver.blockRequest(type: Self.typeOut, sector: 62, data: pattern)
        #expect(driver.statusByte(request) == 0)
        #expect(sector(disk, 62, count: 2) == pattern)
        #expect(driver.usedElement(0).length == 1)                       // only the status was written
        let back = driver.blockRequest(type: Self.typeIn, sector: 62, dataLength: 1024)
        #expect(driver.data(back) == pattern)
    }

    @Test func flushReachesTheBackend() throws {
        let disk = MemoryDisk(sectors: 8)
        let driver = try GuestDriver(backend: disk)
        #expect(driver.initialize())
        let request = driver.blockRequest(type: Self.typeFlush)
        #expect(driver.statusByte(request) == 0 && disk.flushCount == 1)
        #expect(driver.usedElement(0).length == 1)
    }

    /// A driver that did not negotiate FLUSH treats the disk as write-through and never sends FLUSH, so
    /// each write is flushed before it completes; with FLUSH negotiated writes stay in the cache.
    @Test func withoutFlushNegotiatedEveryWriteIsDurableBeforeItCompletes() throws {
        let disk = MemoryDisk(sectors: 8)
        let driver = try GuestDriver(backend: disk)
        let offered = VirtioBlockFeatures.offered(readOnly: false)
        #expect(driver.initialize(accept: offered.subtracting(VirtioBlockFeatures.flush)))
        #expect(driver.statusByte(driver.blockRequest(type: Self.typeOut, sector: 1, data: [UInt8](repeating: 7, count: 512))) == 0)
        #expect(disk.flushCount == 1)
        #expect(driver.statusByte(driver.blockRequest(type: Self.typeIn, sector: 1, dataLength: 512)) == 0)
        #expect(disk.flushCount == 1)                                     // reads need no flush

        let cached = MemoryDisk(sectors: 8)
        let withFlush = try GuestDriver(backend: cached)
        #expect(withFlush.initialize())
        #expect(withFlush.statusByte(withFlush.blockRequest(type: Self.typeOut, sector: 1, data: [UInt8](repeating: 7, count: 512))) == 0)
        #expect(cached.flushCount == 0)
    }

    @Test func getIDReturnsTheSerialZeroPadded() throws {
        let driver = try GuestDriver(serial: "swiftvm-disk-0")
        #expect(driver.initialize())
        let request = driver.blockRequest(type: Self.typeGetID, dataLength: 20)
        #expect(driver.statusByte(request) == 0)
        #expect(driver.data(request) == Array("swiftvm-disk-0".utf8) + [0, 0, 0, 0, 0, 0])
        #expect(driver.usedElement(0).length == 21)
        let long = try GuestDriver(serial: "0123456789abcdefghijKLMN")
        #expect(long.initialize())
        #expect(long.data(long.blockRequest(type: Self.typeGetID, dataLength: 20)) == Array("0123456789abcdefghij".utf8))
    }

    @Test func outOfRangeSectorsAreIOErrors() throws {
        let disk = MemoryDisk(sectors: 64)
        let driver = try GuestDriver(backend: disk)
        #expect(driver.initialize())
        let before = disk.contents
        #expect(driver.statusByte(driver.blockRequest(type: Self.typeIn, sector: 64, dataLength: 512)) == 1)
        #expect(driver.statusByte(driver.blockRequest(type: Self.typeIn, sector: 63, dataLength: 1024)) == 1)
        #expect(driver.statusByte(driver.blockRequest(type: Self.typeOut, sector: 63, data: [UInt8](repeating: 7, count: 1024))) == 1)
        #expect(driver.statusByte(driver.blockRequest(type: Self.typeIn, sector: .max, dataLength: 512)) == 1)
        #expect(driver.statusByte(driver.blockRequest(type: Self.typeIn, sector: 1 << 55, dataLength: 512)) == 1)
        #expect(driver.statusByte(driver.blockRequest(type: Self.typeIn, sector: 63, dataLength: 512)) == 0)
        #expect(disk.contents == before)
        #expect(driver.usedElement(0).length == 1)                       // a failed read wrote only its status
        #expect(!driver.transport.deviceStatus.contains(.needsReset))    // in-band errors, not broken rings
    }

    @Test func partialSectorsAreIOErrors() throws {
        let driver = try GuestDriver()
        #expect(driver.initialize())
        #expect(driver.statusByte(driver.blockRequest(type: Self.typeIn, dataLength: 100)) == 1)
        #expect(driver.statusByte(driver.blockRequest(type: Self.typeOut, data: [1, 2, 3])) == 1)
    }

    @Test func unsupportedTypesAreUnsupp() throws {
        let driver = try GuestDriver()
        #expect(driver.initialize())
        for type: UInt32 in [2, 11, 13, 14, 0xFFFF_FFFF] {                // SCSI, DISCARD, WRITE_ZEROES, …
            #expect(driver.statusByte(driver.blockRequest(type: type, dataLength: 16, dataReadable: true)) == 2)
        }
        #expect(driver.usedIndex == 5)
    }

    @Test func readOnlyDiskRefusesWritesWithIOErr() throws {
        let disk = MemoryDisk(sectors: 8, readOnly: true)
        let driver = try GuestDriver(backend: disk)
        #expect(driver.initialize())
        let before = disk.contents
        #expect(driver.statusByte(driver.blockRequest(type: Self.typeOut, data: [UInt8](repeating: 9, count: 512))) == 1)
        #expect(disk.contents == before)
        #expect(driver.statusByte(driver.blockRequest(type: Self.typeIn, dataLength: 512)) == 0)
        #expect(driver.statusByte(driver.blockRequest(type: Self.typeFlush)) == 0)
    }

    @Test func backendFailuresAreIOErrors() throws {
        let disk = MemoryDisk(sectors: 8)
        let driver = try GuestDriver(backend: disk)
        #expect(driver.initialize())
        disk.setFailing(true)
        #expect(driver.statusByte(driver.blockRequest(type: Self.typeIn, dataLength: 512)) == 1)
        #expect(driver.statusByte(driver.blockRequest(type: Self.typeOut, data: [UInt8](repeating: 1, count: 512))) == 1)
        #expect(driver.statusByte(driver.blockRequest(type: Self.typeFlush)) == 1)
    }

    @Test func dataSpreadOverManyDescriptorsAndAnIndirectTable() throws {
        let disk = MemoryDisk(sectors: 64)
        let driver = try GuestDriver(backend: disk)
        #expect(driver.initialize())
        let header = driver.alloc(16), status = driver.alloc(1)
        try driver.memory.write(GuestDriver.header(type: Self.typeIn, sector: 2), at: GuestAddress(header))
        let pieces: [UInt32] = [100, 412, 1000, 24]                      // 1536 bytes = 3 sectors, odd splits
        let buffers = pieces.map { driver.alloc(UInt64($0)) }
        let write = VirtqueueDescriptor.writeFlag
        let head = driver.chain([VirtqueueDescriptor(address: header, length: 16)]
                                + zip(buffers, pieces).map { VirtqueueDescriptor(address: $0, length: $1, flags: write) }
                                + [VirtqueueDescriptor(address: status, length: 1, flags: write)])
        driver.makeAvailable(head)
        driver.kick()
        let read = try zip(buffers, pieces).flatMap { try driver.memory.read(at: GuestAddress($0), count: Int($1)) }
        #expect(read == sector(disk, 2, count: 3))
        #expect(try driver.memory.read(UInt8.self, at: GuestAddress(status)) == 0)

        let indirect = driver.blockRequest(type: Self.typeIn, sector: 7, dataLength: 512, indirect: true)
        #expect(driver.statusByte(indirect) == 0 && driver.data(indirect) == sector(disk, 7))
        #expect(driver.usedElement(1).id == UInt32(indirect.head))
    }

    @Test func ringWrapsAroundOverManyRequests() throws {
        let disk = MemoryDisk(sectors: 64)
        let driver = try GuestDriver(backend: disk)
        #expect(driver.initialize(queueSize: 4))
        for round in 0..<40 {
            let request = driver.blockRequest(type: Self.typeIn, sector: UInt64(round % 64), dataLength: 512)
            #expect(driver.statusByte(request) == 0 && driver.data(request) == sector(disk, round % 64))
        }
        #expect(driver.usedIndex == 40)
    }

    @Test func rawImageBackendServesTheGuest() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("virtio-\(UUID().uuidString).img").path
        try Data(repeating: 0x5A, count: 16 * 512).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let driver = try GuestDriver(backend: try RawImage(path: path))
        #expect(driver.initialize())
        let pattern = [UInt8](repeating: 0xC3, count: 512)
        #expect(driver.statusByte(driver.blockRequest(type: Self.typeOut, sector: 15, data: pattern)) == 0)
        #expect(driver.statusByte(driver.blockRequest(type: Self.typeFlush)) == 0)
        let file: [UInt8] = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let lastSector: [UInt8] = Array(file[(15 * 512)...])
        #expect(lastSector == pattern && file[0] == 0x5A)
        #expect(driver.data(driver.blockRequest(type: Self.typeIn, sector: 14, dataLength: 512)) == [UInt8](repeating: 0x5A, count: 512))
    }
}
