import Testing
@testable import Devices

/// CONFIG_ADDRESS for bus 0, `device`, `function`, `register`, enable bit set — as a guest computes it.
func pciConfigAddress(device: UInt32, function: UInt32 = 0, register: UInt32 = 0, enabled: Bool = true) -> UInt32 {
    (enabled ? 0x8000_0000 : 0) | device << 11 | function << 8 | register
}

@Suite struct PCIConfigMechanismTests {
    let ports: PCIHostBridgePorts
    let bus: IOBus

    init() throws {
        var pci = PCIBus()
        try pci.insert(.i440fxHostBridge(), at: PCIAddress(device: 0))
        try pci.insert(.testDevice(), at: PCIAddress(device: 3))
        ports = PCIHostBridgePorts(bus: pci)
        bus = IOBus()
        try bus.register(ports, base: PCIHostBridgePorts.basePort, length: PCIHostBridgePorts.portCount, name: "pci")
    }

    func select(_ value: UInt32) { _ = bus.write(port: 0xCF8, size: 4, value: value) }
    func data(_ port: UInt16 = 0xCFC, size: Int = 4) -> UInt32 { bus.read(port: port, size: size).value }

    @Test func configAddressLatchesOnlyOnDwordAccesses() {
        select(0x8000_1804)
        #expect(data(0xCF8) == 0x8000_1804)
        _ = bus.write(port: 0xCF8, size: 1, value: 0)
        _ = bus.write(port: 0xCF8, size: 2, value: 0)
        _ = bus.write(port: 0xCFA, size: 2, value: 0)
        _ = bus.write(port: 0xCFB, size: 1, value: 0x01)   // mechanism #2 enable on old chipsets: not ours
        #expect(ports.configAddress.rawValue == 0x8000_1804)
        #expect(data(0xCF8, size: 1) == 0xFF)               // not CONFIG_ADDRESS: plain, empty I/O
        #expect(data(0xCF9, size: 1) == 0xFF)
    }

    @Test func configAddressReadsReservedAndLowBitsAsZero() {
        select(0xFF00_0803)
        #expect(data(0xCF8) == 0x8000_0800)
        select(0x7FFF_FFFF)
        #expect(data(0xCF8) == 0x00FF_FFFC)
    }

    @Test func enableBitGatesConfigurationData() {
        select(pciConfigAddress(device: 0, enabled: false))
        #expect(data() == 0xFFFF_FFFF)
        _ = bus.write(port: 0xCFC, size: 4, value: 0)
        select(pciConfigAddress(device: 0))
        #expect(data() == 0x1237_8086)
    }

    @Test func byteWordAndDwordAccessesReachEachOffset() {
        select(pciConfigAddress(device: 0, register: 0x08))     // revision 02, class 06/00/00
        #expect(data() == 0x0600_0002)
        #expect(data(0xCFC, size: 1) == 0x02)
        #expect(data(0xCFD, size: 1) == 0x00)
        #expect(data(0xCFE, size: 1) == 0x00)
        #expect(data(0xCFF, size: 1) == 0x06)
        select(pciConfigAddress(device: 0))
        #expect(data(0xCFC, size: 2) == 0x8086)
        #expect(data(0xCFE, size: 2) == 0x1237)
        #expect(data(0xCFD, size: 2) == 0x3780)               // bytes 1–2 of the dword
        #expect(data(0xCFE, size: 4) == 0xFFFF_FFFF)          // would run past 0xCFF
    }

    @Test func writesAtEachDataOffsetReachTheRightByte() {
        select(pciConfigAddress(device: 3, register: 0x3C))
        _ = bus.write(port: 0xCFC, size: 1, value: 0x0B)      // interrupt line
        _ = bus.write(port: 0xCFD, size: 1, value: 0x04)      // interrupt pin: read-only
        #expect(data() & 0xFFFF == 0x000B)
        select(pciConfigAddress(device: 3, register: 0x0C))
        _ = bus.write(port: 0xCFC, size: 1, value: 0x10)      // cache line size
        #expect(data(0xCFC, size: 1) == 0x10)
        select(pciConfigAddress(device: 3, register: 0x04))
        _ = bus.write(port: 0xCFC, size: 2, value: 0x0007)
        #expect(data(0xCFC, size: 2) == 0x0007)
        #expect(ports.bus[PCIAddress(device: 3)]?.command == 0x0007)
    }

    @Test func absentFunctionsReadAllOnesAndIgnoreWrites() {
        select(pciConfigAddress(device: 1))
        #expect(data(0xCFC, size: 2) == 0xFFFF)
        #expect(data() == 0xFFFF_FFFF)
        #expect(data(0xCFF, size: 1) == 0xFF)
        _ = bus.write(port: 0xCFC, size: 4, value: 0)
        #expect(data() == 0xFFFF_FFFF)
        select(pciConfigAddress(device: 0, function: 1))
        #expect(data(0xCFC, size: 2) == 0xFFFF)
        select(0x8000_0000 | 1 << 16)                          // bus 1 does not exist
        #expect(data(0xCFC, size: 2) == 0xFFFF)
        #expect(ports.bus.addresses == [PCIAddress(device: 0), PCIAddress(device: 3)])
    }
}

@Suite struct PCIBusTests {
    @Test func functionZeroGetsTheMultiFunctionBitWhenASecondFunctionArrives() throws {
        var bus = PCIBus()
        try bus.insert(.testDevice(), at: PCIAddress(device: 2))
        #expect(bus.read(PCIAddress(device: 2), offset: 0x0E, size: 1) == 0x00)
        try bus.insert(.testDevice(), at: PCIAddress(device: 2, function: 1))
        #expect(bus.read(PCIAddress(device: 2), offset: 0x0E, size: 1) == 0x80)
        #expect(bus.read(PCIAddress(device: 2, function: 1), offset: 0x0E, size: 1) == 0x00)
    }

    @Test func wiringMistakesAreNamed() throws {
        var bus = PCIBus()
        try bus.insert(.testDevice(), at: PCIAddress(device: 2))
        #expect(throws: PCIBusError.occupied(PCIAddress(device: 2))) {
            try bus.insert(.testDevice(), at: PCIAddress(device: 2))
        }
        #expect(throws: PCIBusError.noSuchBus(PCIAddress(bus: 1, device: 0))) {
            try bus.insert(.testDevice(), at: PCIAddress(bus: 1, device: 0))
        }
        #expect(PCIBusError.occupied(PCIAddress(device: 0x1F, function: 7)).description.contains("00:1f.7"))
    }
}
