import Testing
@testable import Virtio

/// The status handshake and feature negotiation (virtio 1.2, §2.1, §2.2, §3.1.1).
@Suite struct VirtioFeatureNegotiationTests {
    let offered: VirtioFeatures = [.version1, .indirectDescriptors, .eventIndex, VirtioBlockFeatures.flush,
                                   VirtioBlockFeatures.segmentMax, VirtioBlockFeatures.blockSize]

    @Test func offersTheDocumentedFeatures() throws {
        let driver = try GuestDriver()
        #expect(driver.offeredFeatures == offered)
        driver.setCommon(0x00, 4, 2)                                     // no features past bit 63
        #expect(driver.common(0x04, 4) == 0)
        let readOnly = try GuestDriver(backend: MemoryDisk(sectors: 8, readOnly: true))
        #expect(readOnly.offeredFeatures == offered.union(VirtioBlockFeatures.readOnly))
    }

    @Test func fullHandshakeReachesDriverOK() throws {
        let driver = try GuestDriver()
        #expect(driver.status == [])
        #expect(driver.initialize())
        #expect(driver.status == [.acknowledge, .driver, .featuresOK, .driverOK])
        #expect(driver.transport.negotiatedFeatures == offered)
        driver.setCommon(0x08, 4, 1)
        #expect(driver.common(0x0C, 4) == 1)                             // driver_feature reads back
    }

    @Test func driverMayAcceptASubset() throws {
        let driver = try GuestDriver()
        #expect(driver.initialize(accept: [.version1, VirtioBlockFeatures.flush]))
        #expect(driver.transport.negotiatedFeatures == [.version1, VirtioBlockFeatures.flush])
        #expect((driver.transport.device as? VirtioBlockDevice)?.features == [.version1, VirtioBlockFeatures.flush])
    }

    @Test func acceptingAnUnofferedBitFailsFeaturesOK() throws {
        let driver = try GuestDriver()
        #expect(!driver.initialize(accept: [.version1, .ringPacked]))
        #expect(driver.status == [.acknowledge, .driver])
        #expect(driver.transport.negotiatedFeatures == [])
        let other = try GuestDriver()
        #expect(!other.initialize(accept: [.version1, VirtioBlockFeatures.readOnly]))   // RO only on a read-only disk
    }

    @Test func bitsInAFeatureWordPast63FailFeaturesOK() throws {
        let driver = try GuestDriver()
        driver.setStatus([.acknowledge, .driver])
        driver.writeDriverFeatures([.version1])
        driver.setCommon(0x08, 4, 5)
        driver.setCommon(0x0C, 4, 1)
        driver.setStatus([.acknowledge, .driver, .featuresOK])
        #expect(!driver.status.contains(.featuresOK))
    }

    @Test func modernOnlyDeviceRequiresVersion1() throws {
        let driver = try GuestDriver()
        #expect(!driver.initialize(accept: [VirtioBlockFeatures.flush]))
    }

    @Test func featuresAreFrozenOnceFeaturesOKIsSet() throws {
        let driver = try GuestDriver()
        #expect(driver.initialize(accept: [.version1]))
        driver.writeDriverFeatures([.version1, .eventIndex])
        driver.setCommon(0x08, 4, 0)
        #expect(driver.common(0x0C, 4) == 0)
        #expect(driver.transport.negotiatedFeatures == [.version1])
    }

    @Test func writingZeroResetsEverything() throws {
        let driver = try GuestDriver()
        #expect(driver.initialize(msix: true))
        driver.setStatus([])
        #expect(driver.status == [])
        #expect(driver.transport.negotiatedFeatures == [])
        #expect(driver.common(0x10, 2) == 0xFFFF)                        // config_msix_vector
        #expect(driver.common(0x18, 2) == 256)                           // queue_size back to the maximum
        #expect(driver.common(0x1A, 2) == 0xFFFF)
        #expect(driver.common(0x1C, 2) == 0)
        #expect(driver.common(0x20, 8) == 0)
        #expect(driver.transport.function.msixState?.enabled == true)   // PCI state is not the device's
        #expect(driver.initialize())                                     // and it initialises again
    }

    @Test func driverCannotSetNeedsResetItself() throws {
        let driver = try GuestDriver()
        driver.setStatus([.acknowledge, .needsReset])
        #expect(driver.status == .acknowledge)
    }

    @Test func requestsWaitForDriverOK() throws {
        let disk = MemoryDisk(sectors: 8)
        let driver = try GuestDriver(backend: disk)
        #expect(driver.initialize())
        driver.setStatus([.acknowledge, .driver, .featuresOK])          // driver took DRIVER_OK back
        let request = driver.blockRequest(type: 0, dataLength: 512)
        #expect(driver.usedIndex == 0)
        driver.setStatus([.acknowledge, .driver, .featuresOK, .driverOK])
        driver.kick()
        #expect(driver.usedIndex == 1)
        #expect(driver.statusByte(request) == 0)
    }
}
