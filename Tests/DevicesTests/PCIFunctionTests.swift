import Testing
@testable import Devices

@Suite struct PCIFunctionTests {
    /// Writes all-ones to the BAR register at `offset`, reads the answer, writes the old value back.
    func size(_ function: inout PCIFunction, barAt offset: Int) -> (sized: UInt32, restored: UInt32, original: UInt32) {
        let original = function.read(offset: offset, size: 4)
        function.write(offset: offset, size: 4, value: 0xFFFF_FFFF)
        let sized = function.read(offset: offset, size: 4)
        function.write(offset: offset, size: 4, value: original)
        return (sized, function.read(offset: offset, size: 4), original)
    }

    @Test func i440fxIdentityMatchesQemu() {
        let bridge = PCIFunction.i440fxHostBridge()
        #expect(bridge.read(offset: 0x00, size: 4) == 0x1237_8086)
        #expect(bridge.read(offset: 0x08, size: 4) == 0x0600_0002)
        #expect(bridge.read(offset: 0x0E, size: 1) == 0x00)              // header type 0, single function
        #expect((0..<6).allSatisfy { bridge.read(offset: 0x10 + 4 * $0, size: 4) == 0 })
        #expect(bridge.read(offset: 0x3D, size: 1) == 0)                 // no interrupt pin
    }

    @Test func testDeviceIdentityMatchesQemuPciTestdev() {
        let device = PCIFunction.testDevice()
        #expect(device.read(offset: 0x00, size: 4) == 0x0005_1B36)
        #expect(device.read(offset: 0x08, size: 4) == 0x00FF_0000)       // class 00/ff/00, revision 0
        #expect(device.read(offset: 0x34, size: 1) == 0)                 // no capabilities list
        #expect(device.status & 0x10 == 0)
    }

    @Test func identificationRegistersAreReadOnly() {
        var device = PCIFunction.testDevice()
        let before = device.configSpace
        for (offset, width) in [(0x00, 4), (0x08, 4), (0x0E, 2), (0x2C, 4), (0x34, 4), (0x3D, 1)] {
            device.write(offset: offset, size: width, value: 0xA5A5_A5A5)
        }
        device.write(offset: 0x0D, size: 1, value: 0xFF)                 // latency timer: hardwired 0
        device.write(offset: 0x40, size: 4, value: 0xFFFF_FFFF)          // device-specific area: nothing there
        #expect(device.read(offset: 0x00, size: 4) == 0x0005_1B36)
        #expect(device.read(offset: 0x08, size: 4) == 0x00FF_0000)
        #expect(device.read(offset: 0x2C, size: 4) == 0)
        #expect(device.read(offset: 0x3D, size: 1) == 0)
        #expect(device.read(offset: 0x0D, size: 1) == 0)
        #expect(device.read(offset: 0x40, size: 4) == 0)
        #expect(device.configSpace == before)
    }

    @Test func subsystemIDsAreWhatTheMachineChose() {
        let bridge = PCIFunction.i440fxHostBridge(subsystemVendorID: 0x1AF4, subsystemID: 0x1100)
        #expect(bridge.read(offset: 0x2C, size: 4) == 0x1100_1AF4)
    }

    @Test func commandRegisterKeepsOnlyItsWritableBits() {
        var device = PCIFunction.testDevice()
        device.write(offset: 0x04, size: 2, value: 0xFFFF)
        #expect(device.command == 0x0507)                                // I/O, memory, master, SERR#, INTx disable
        device.write(offset: 0x04, size: 2, value: 0x0002)
        #expect(device.command == 0x0002)
        device.write(offset: 0x04, size: 4, value: 0xFFFF_0000)          // a dword write also hits Status
        #expect(device.command == 0 && device.status == 0)
    }

    @Test func statusErrorBitsAreWriteOneToClear() {
        var device = PCIFunction.testDevice()
        device.raiseStatus(PCIStatus.receivedMasterAbort | PCIStatus.signaledTargetAbort)
        #expect(device.status == 0x2800)
        device.write(offset: 0x06, size: 2, value: 0)                    // writing 0 leaves them
        #expect(device.status == 0x2800)
        device.write(offset: 0x06, size: 2, value: 0x2000)               // 1 clears just that bit
        #expect(device.status == 0x0800)
        device.write(offset: 0x04, size: 4, value: 0xFFFF_0006)          // command + clear-all in one dword
        #expect(device.status == 0 && device.command == 0x0006)
        device.write(offset: 0x06, size: 2, value: 0x06FF)               // non-error bits cannot be set
        #expect(device.status == 0)
    }

    @Test func interruptLineIsScratchAndPinIsFixed() {
        var device = PCIFunction(identity: PCIFunction.testDevice().identity, interruptPin: .intA)
        device.write(offset: 0x3C, size: 2, value: 0x040B)
        #expect(device.read(offset: 0x3C, size: 2) == 0x010B)
        #expect(device.interruptLine == 0x0B)
    }

    @Test func memory32BarSizesAndRestores() {
        var device = PCIFunction.testDevice()
        let bar0 = size(&device, barAt: 0x10)
        #expect(bar0.original == 0)
        #expect(bar0.sized == 0xFFFF_F000)                               // 4 KiB, memory, 32-bit, not prefetchable
        #expect(bar0.restored == 0)
        device.write(offset: 0x10, size: 4, value: 0xFEBF_1234)
        #expect(device.read(offset: 0x10, size: 4) == 0xFEBF_1000)
        #expect(device.barAddress(0) == 0xFEBF_1000)
    }

    @Test func ioBarSizesWithTheSpaceBit() {
        var device = PCIFunction.testDevice()
        let bar1 = size(&device, barAt: 0x14)
        #expect(bar1.original == 0x1)
        #expect(bar1.sized == 0xFFFF_FF01)                               // 256 bytes, I/O
        #expect(bar1.restored == 0x1)
        device.write(offset: 0x14, size: 4, value: 0xC0FF)
        #expect(device.read(offset: 0x14, size: 4) == 0xC001)
        #expect(device.barAddress(1) == 0xC000)
    }

    @Test func memory64BarSizesBothHalves() {
        var device = PCIFunction.testDevice()
        let low = size(&device, barAt: 0x18)
        #expect(low.original == 0xC)                                     // 64-bit, prefetchable
        #expect(low.sized == 0xFFF0_000C)                                // 1 MiB
        #expect(low.restored == 0xC)
        let high = size(&device, barAt: 0x1C)
        #expect(high.sized == 0xFFFF_FFFF)                               // the upper half is all address
        #expect(high.restored == 0)
        device.write(offset: 0x18, size: 4, value: 0xE000_0000)
        device.write(offset: 0x1C, size: 4, value: 0x0000_0008)
        #expect(device.barAddress(2) == 0x8_E000_0000)
        #expect(device.read(offset: 0x18, size: 4) == 0xE000_000C)
    }

    @Test func largeMemory64BarHasReadOnlyUpperBits() {
        var device = PCIFunction(identity: PCIFunction.testDevice().identity,
                                 bars: [4: .memory64(size: 1 << 33, prefetchable: false)])
        #expect(size(&device, barAt: 0x20).sized == 0x0000_0004)         // address bits below 8 GiB are 0
        #expect(size(&device, barAt: 0x24).sized == 0xFFFF_FFFE)
    }

    @Test func unimplementedBarsReadZeroEvenAfterSizing() {
        var device = PCIFunction.testDevice()
        for offset in [0x20, 0x24, 0x30] {                               // BAR4, BAR5, expansion ROM
            #expect(size(&device, barAt: offset).sized == 0)
        }
        #expect(device.barAddress(4) == nil)
    }

    @Test func barAccessesOfEveryWidthFollowTheMask() {
        var device = PCIFunction.testDevice()
        device.write(offset: 0x10, size: 1, value: 0xFF)                 // below the 4 KiB size: all read-only
        #expect(device.read(offset: 0x10, size: 4) == 0)
        device.write(offset: 0x11, size: 1, value: 0xFF)
        #expect(device.read(offset: 0x10, size: 4) == 0xF000)
        device.write(offset: 0x12, size: 2, value: 0xFEBF)
        #expect(device.read(offset: 0x10, size: 4) == 0xFEBF_F000)
    }
}
