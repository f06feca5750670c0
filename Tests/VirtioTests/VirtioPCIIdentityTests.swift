import Devices
import Testing
@testable import Virtio

/// What a guest sees before it touches the device: IDs, the BAR, the capability list.
@Suite struct VirtioPCIIdentityTests {
    @Test func identityIsModernVirtioBlock() throws {
        let driver = try GuestDriver()
        #expect(driver.config(0x00, 4) == 0x1042_1AF4)                   // 1af4:1042
        #expect(driver.config(0x08, 4) == 0x0180_0001)                   // class 01/80/00, revision 1
        #expect(driver.config(0x2C, 4) == 0x1100_1AF4)                   // subsystem 1af4:1100
        #expect(driver.config(0x3D, 1) == 1)                             // INTA#
        #expect(driver.config(0x06, 2) & 0x10 != 0)                      // capabilities list
        #expect(driver.config(0x34, 1) == 0x40)
    }

    @Test func onlyBar4ExistsAnd64BitNonPrefetchable32KiB() throws {
        let driver = try GuestDriver()
        for bar in [0, 1, 2, 3, 5] where bar != 5 || true {
            if bar == 5 { continue }                                    // BAR5 is BAR4's upper half
            #expect(driver.config(0x10 + 4 * bar, 4) == 0, "BAR\(bar) must not exist (no legacy I/O BAR)")
        }
        #expect(driver.config(0x20, 4) == 0x4)                           // 64-bit memory, not prefetchable
        driver.setConfig(0x20, 4, 0xFFFF_FFFF)
        driver.setConfig(0x24, 4, 0xFFFF_FFFF)
        #expect(driver.config(0x20, 4) == 0xFFFF_8004)                   // 32 KiB
        #expect(driver.config(0x24, 4) == 0xFFFF_FFFF)
        driver.setConfig(0x20, 4, 0xFEB0_0000)
        driver.setConfig(0x24, 4, 0)
        #expect(driver.transport.function.barAddress(4) == 0xFEB0_0000)
    }

    /// (offset, cfg_type, bar, offset in BAR, length) of each virtio capability, in list order.
    @Test func virtioCapabilitiesPointIntoBar4() throws {
        let driver = try GuestDriver()
        var found: [[UInt32]] = []
        var pointer = Int(driver.config(0x34, 1))
        var ids: [UInt32] = []
        while pointer != 0 {
            ids.append(driver.config(pointer, 1))
            if driver.config(pointer, 1) == 0x09 {
                found.append([UInt32(pointer), driver.config(pointer + 2, 1), driver.config(pointer + 3, 1),
                              driver.config(pointer + 4, 1), driver.config(pointer + 8, 4), driver.config(pointer + 12, 4)])
            }
            pointer = Int(driver.config(pointer + 1, 1))
        }
        #expect(ids == [0x09, 0x09, 0x09, 0x09, 0x09, 0x11])
        #expect(found == [[0x40, 16, 1, 4, 0x0000, 0x1000],                 // common
                          [0x50, 20, 2, 4, 0x3000, 0x1000],                 // notify
                          [0x64, 16, 3, 4, 0x1000, 0x1000],                 // ISR
                          [0x74, 16, 4, 4, 0x2000, 0x1000],                 // device
                          [0x84, 20, 5, 0, 0, 0]])                          // PCI configuration access
        #expect(driver.config(0x50 + 16, 4) == 4)                           // notify_off_multiplier
        #expect(driver.notifyMultiplier == 4)
        #expect(VirtioPCILayout.notifyAddressOffset(queue: 3) == 0x300C)
    }

    @Test func msixCapabilityDescribesTwoVectorsInBar4() throws {
        let driver = try GuestDriver()
        #expect(driver.msixCapability == 0x98)
        #expect(driver.config(0x98, 4) == 0x0001_0011)                   // 2 vectors, disabled, unmasked
        #expect(driver.config(0x9C, 4) == 0x4004)                        // table at 0x4000, BIR 4
        #expect(driver.config(0xA0, 4) == 0x5004)                        // PBA at 0x5000, BIR 4
        #expect(driver.transport.msixVectorCount == 2)
        #expect(driver.barRead(0x400C, 4) == 1)  // entries start masked
    }

    @Test func pciConfigWindowReachesTheBar() throws {
        let driver = try GuestDriver()
        driver.setConfig(0x84 + 4, 1, 4)                                 // bar
        driver.setConfig(0x84 + 8, 4, 0x12)                              // offset: num_queues
        driver.setConfig(0x84 + 12, 4, 2)                                // length
        #expect(driver.config(0x84 + 16, 2) == 1)
        driver.setConfig(0x84 + 8, 4, 0x14)                              // device_status
        driver.setConfig(0x84 + 12, 4, 1)
        driver.setConfig(0x84 + 16, 1, 1)                                // ACKNOWLEDGE through the window
        #expect(driver.status == .acknowledge)
        driver.setConfig(0x84 + 8, 4, 0x13)                              // misaligned for 2 bytes: ignored
        driver.setConfig(0x84 + 12, 4, 2)
        driver.setConfig(0x84 + 16, 2, 0xFFFF)
        #expect(driver.status == .acknowledge)
    }

    @Test func featureNamesAreTheSpecs() {
        let offered = VirtioBlockFeatures.offered(readOnly: true)
        #expect(offered.names(deviceType: .block) == ["VIRTIO_BLK_F_SEG_MAX", "VIRTIO_BLK_F_RO", "VIRTIO_BLK_F_BLK_SIZE",
                                                      "VIRTIO_BLK_F_FLUSH", "VIRTIO_F_INDIRECT_DESC",
                                                      "VIRTIO_F_EVENT_IDX", "VIRTIO_F_VERSION_1"])
        #expect(offered.rawValue == 0x1_3000_0264)
    }
}
