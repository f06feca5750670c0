import Testing
@testable import Virtio

/// The common configuration registers: widths, queue selection, vectors, queue set-up checks.
@Suite struct VirtioCommonConfigTests {
    @Test func queueRegistersDescribeOneQueue() throws {
        let driver = try GuestDriver()
        #expect(driver.common(0x12, 2) == 1)                             // num_queues
        #expect(driver.common(0x18, 2) == 256)                           // queue_size: the maximum
        #expect(driver.common(0x1E, 2) == 0)                             // queue_notify_off
        driver.setCommon(0x16, 2, 1)                                     // no queue 1
        #expect(driver.common(0x18, 2) == 0)
        #expect(driver.common(0x1A, 2) == 0xFFFF)
        driver.setCommon(0x18, 2, 8)
        driver.setCommon(0x20, 8, 0x1000)
        #expect(driver.common(0x18, 2) == 0 && driver.common(0x20, 8) == 0)
    }

    @Test func ringAddressesTakeWholeOrHalfAccesses() throws {
        let driver = try GuestDriver()
        driver.setCommon(0x20, 8, 0x1234_5678_9ABC_DEF0)
        #expect(driver.common(0x20, 8) == 0x1234_5678_9ABC_DEF0)
        driver.setCommon(0x2C, 4, 0xAABB_CCDD)
        driver.setCommon(0x28, 4, 0x1122_3344)
        #expect(driver.common(0x28, 8) == 0xAABB_CCDD_1122_3344)
        #expect(driver.common(0x2C, 4) == 0xAABB_CCDD)
        #expect(driver.common(0x30, 4) == 0)
    }

    @Test func wrongWidthAccessesDoNothing() throws {
        let driver = try GuestDriver()
        driver.setCommon(0x14, 2, 0x0101)                                // device_status is one byte
        #expect(driver.status == [])
        driver.setCommon(0x16, 4, 7)                                     // queue_select is two
        #expect(driver.common(0x16, 2) == 0)
        #expect(driver.common(0x12, 4) == 0)
        #expect(driver.common(0x22, 4) == 0)                             // not a half of queue_desc
        #expect(driver.barRead(0x0FFF, 2) == 0)
        #expect(driver.barRead(0x7FFF, 2) == 0)  // crosses the end of the BAR
        #expect(driver.barRead(0x9000, 4) == 0)
        driver.transport.write(barOffset: 0x7FFC, size: 8, value: .max)
    }

    @Test func vectorsOutsideTheTableReadBackAsNoVector() throws {
        let driver = try GuestDriver()
        driver.setCommon(0x10, 2, 1)
        #expect(driver.common(0x10, 2) == 1)
        driver.setCommon(0x10, 2, 2)                                     // the table has vectors 0 and 1
        #expect(driver.common(0x10, 2) == 0xFFFF)
        driver.setCommon(0x1A, 2, 0)
        #expect(driver.common(0x1A, 2) == 0)
        driver.setCommon(0x1A, 2, 0x7FF)
        #expect(driver.common(0x1A, 2) == 0xFFFF)
    }

    @Test func enabledQueueIgnoresReprogramming() throws {
        let driver = try GuestDriver()
        #expect(driver.initialize(queueSize: 16))
        #expect(driver.common(0x1C, 2) == 1)
        driver.setCommon(0x18, 2, 32)
        driver.setCommon(0x20, 8, 0)
        driver.setCommon(0x1C, 2, 0)                                     // 0 is not the driver's to write
        #expect(driver.common(0x18, 2) == 16)
        #expect(driver.common(0x20, 8) == GuestDriver.descriptorTable)
        #expect(driver.common(0x1C, 2) == 1)
    }

    @Test func deviceConfigHasCapacitySegMaxAndBlockSize() throws {
        let driver = try GuestDriver(backend: MemoryDisk(bytes: [UInt8](repeating: 0, count: 64 * 512 + 100)))
        #expect(driver.deviceConfig(0, 8) == 64)                         // whole sectors only
        #expect(driver.deviceConfig(0, 4) == 64 && driver.deviceConfig(4, 4) == 0)
        #expect(driver.deviceConfig(8, 4) == 0)                          // size_max: not offered
        #expect(driver.deviceConfig(12, 4) == 254)                       // seg_max: queue size − 2
        #expect(driver.deviceConfig(16, 4) == 0)                         // geometry: not offered
        #expect(driver.deviceConfig(20, 4) == 512)                       // blk_size
        #expect(driver.deviceConfig(34, 2) == 1)                         // num_queues
        #expect(driver.deviceConfig(60, 4) == 0 && driver.deviceConfig(0xFF8, 8) == 0)
        driver.transport.write(barOffset: 0x2000, size: 8, value: 0)     // read-only
        #expect(driver.deviceConfig(0, 8) == 64)
        #expect(driver.common(0x15, 1) == 0)                             // config_generation never moved
    }

    @Test func blockConfigBytesMatchTheSpecLayout() {
        let bytes = VirtioBlockConfig(capacitySectors: 0x0102_0304_0506_0708, segmentMax: 126).bytes
        #expect(bytes.count == 60)
        #expect(Array(bytes[0..<8]) == [8, 7, 6, 5, 4, 3, 2, 1])
        #expect(Array(bytes[12..<16]) == [126, 0, 0, 0])
        #expect(Array(bytes[20..<24]) == [0, 2, 0, 0])
        #expect(Array(bytes[34..<36]) == [1, 0])
    }
}
