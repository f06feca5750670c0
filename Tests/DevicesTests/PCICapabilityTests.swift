import Testing
@testable import Devices

@Suite struct PCICapabilityTests {
    /// The presets' configuration space, byte for byte, as machine types swiftvm-1.0 and 1.1 expose it:
    /// adding capability lists must not move a single byte of functions that declare none.
    @Test func presetsKeepTheirConfigSpaceByteForByte() {
        var bridge = [UInt8](repeating: 0, count: 256)
        bridge[0x00] = 0x86; bridge[0x01] = 0x80; bridge[0x02] = 0x37; bridge[0x03] = 0x12
        bridge[0x08] = 0x02; bridge[0x0B] = 0x06
        #expect(PCIFunction.i440fxHostBridge().configSpace == bridge)

        var testdev = [UInt8](repeating: 0, count: 256)
        testdev[0x00] = 0x36; testdev[0x01] = 0x1B; testdev[0x02] = 0x05
        testdev[0x0A] = 0xFF
        testdev[0x14] = 0x01                                             // BAR1: I/O
        testdev[0x18] = 0x0C                                             // BAR2: 64-bit prefetchable
        #expect(PCIFunction.testDevice().configSpace == testdev)
        #expect(PCIFunction.testDevice().capabilities.isEmpty)
    }

    func function(_ capabilities: [PCICapability]) -> PCIFunction {
        PCIFunction(identity: PCIIdentity(vendorID: 0x1AF4, deviceID: 0x1042, baseClass: 0x01, subclass: 0x80),
                    capabilities: capabilities)
    }

    @Test func listStartsAt0x40AndLinksDwordAlignedEntries() {
        let device = function([PCICapability(id: 0x09, body: [14, 1, 0, 0, 0]),          // 7 bytes
                               PCICapability(id: 0x09, body: [14, 2]),
                               PCIMSIXCapability.capability(vectors: 2, tableBAR: 4, tableOffset: 0x4000,
                                                            pbaBAR: 4, pbaOffset: 0x5000)])
        #expect(device.status & PCIStatus.capabilitiesList != 0)
        #expect(device.read(offset: 0x34, size: 1) == 0x40)
        #expect(device.capabilityOffsets == [0x40, 0x48, 0x4C])
        #expect(device.read(offset: 0x40, size: 2) == 0x4809)             // ID, next
        #expect(device.read(offset: 0x48, size: 2) == 0x4C09)
        #expect(device.read(offset: 0x4C, size: 4) == 0x0001_0011)        // MSI-X, last, table size − 1 = 1
        #expect(device.read(offset: 0x50, size: 4) == 0x4004)             // table at 0x4000 in BAR4
        #expect(device.read(offset: 0x54, size: 4) == 0x5004)
        #expect(device.capabilityOffset(id: 0x11) == 0x4C)
    }

    @Test func onlyDeclaredCapabilityBitsAreWritable() {
        var device = function([PCIMSIXCapability.capability(vectors: 4, tableBAR: 0, tableOffset: 0,
                                                            pbaBAR: 0, pbaOffset: 0x800)])
        let before = device.configSpace
        device.write(offset: 0x40, size: 4, value: 0xFFFF_FFFF)
        #expect(device.read(offset: 0x40, size: 4) == 0xC003_0011)        // enable + mask set, rest fixed
        #expect(device.msixState == PCIMSIXState(enabled: true, functionMasked: true))
        device.write(offset: 0x42, size: 2, value: 0x8000)
        #expect(device.msixState == PCIMSIXState(enabled: true, functionMasked: false))
        device.write(offset: 0x40, size: 4, value: 0)
        device.write(offset: 0x44, size: 4, value: 0xFFFF_FFFF)
        device.write(offset: 0x34, size: 1, value: 0x80)
        #expect(device.configSpace == before)
    }

    @Test func interruptStatusBitFollowsTheDevice() {
        var device = function([])
        device.setInterruptStatus(true)
        #expect(device.status == PCIStatus.interruptStatus)
        device.write(offset: 0x06, size: 2, value: 0xFFFF)               // read-only to software
        #expect(device.status == PCIStatus.interruptStatus)
        device.setInterruptStatus(false)
        #expect(device.status == 0)
        #expect(device.msixState == nil)
    }
}
