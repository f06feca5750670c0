import Testing
import Snapshot
@testable import Devices

/// Each device's snapshot state: export from a device the guest has programmed, import into a fresh
/// one, and the guest sees the same registers and behaviour; a value no device could hold is refused
/// by name.
@Suite struct DeviceStateTests {
    private func saved(_ save: (inout StateWriter) -> Void) -> StateReader {
        var writer = StateWriter()
        save(&writer)
        return StateReader(writer.bytes, section: .devices)
    }

    @Test func serialKeepsRegistersFIFOAndItsInterrupt() throws {
        let line = RecordingInterruptLine()
        let uart = Serial16550(output: CaptureSink(limit: 0), interrupt: line)
        uart.write(offset: 3, size: 1, value: 0x83)    // DLAB
        uart.write(offset: 0, size: 1, value: 0x01)    // divisor 1 (115200)
        uart.write(offset: 3, size: 1, value: 0x03)    // 8N1
        uart.write(offset: 2, size: 1, value: 0x81)    // FIFOs on, trigger 8
        uart.write(offset: 4, size: 1, value: 0x0B)    // DTR RTS OUT2
        uart.write(offset: 7, size: 1, value: 0x5A)
        uart.write(offset: 1, size: 1, value: 0x01)    // RX data interrupt
        uart.enqueueInput(Array("hi!".utf8))
        #expect(line.isHigh)

        var reader = saved { uart.saveState(to: &$0) }
        let restoredLine = RecordingInterruptLine()
        let restored = Serial16550(output: CaptureSink(limit: 0), interrupt: restoredLine)
        try restored.restoreState(from: &reader)
        try reader.finish()
        #expect(restored.registers == uart.registers)
        #expect(restoredLine.isHigh, "the IRQ wire is driven to the restored level")
        #expect(restored.read(offset: 2, size: 1) == 0xCC)   // FIFOs enabled, character timeout (3 bytes < trigger 8)
        #expect((0..<3).map { _ in UInt8(restored.read(offset: 0, size: 1)) } == Array("hi!".utf8))
        restored.write(offset: 3, size: 1, value: 0x83)
        #expect(restored.read(offset: 0, size: 1) == 0x01)   // the divisor latch came along
        #expect(restored.read(offset: 7, size: 1) == 0x5A)
    }

    @Test func serialRefusesAnOverfullFIFOAndAnImpossibleTriggerLevel() throws {
        var registers = Serial16550Registers()
        var writer = StateWriter()
        registers.save(to: &writer)
        var bytes = writer.bytes
        bytes[7] = 3                                          // RX trigger level: 1, 4, 8 or 14 only
        var reader = StateReader(bytes, section: .devices)
        #expect(throws: SnapshotError.field(file: "", section: .devices, field: "serial RX trigger level", problem: "3 is not one of [1, 4, 8, 14]")) {
            try registers.restore(from: &reader)
        }
        bytes = writer.bytes
        bytes[8] = 17
        reader = StateReader(bytes + [UInt8](repeating: 0x41, count: 17), section: .devices)
        #expect(throws: SnapshotError.field(file: "", section: .devices, field: "serial RX FIFO count", problem: "17 bytes; the FIFO holds 16")) {
            try registers.restore(from: &reader)
        }
    }

    @Test func keyboardControllerKeepsItsConfigurationAndPendingCommand() throws {
        let controller = I8042(onReset: {})
        controller.commandPort.write(offset: 0, size: 1, value: 0x60)   // write configuration: next byte on 0x60
        controller.dataPort.write(offset: 0, size: 1, value: 0x47)
        controller.commandPort.write(offset: 0, size: 1, value: 0x20)   // read configuration → output buffer
        controller.commandPort.write(offset: 0, size: 1, value: 0xD1)   // write output port: pending
        var reader = saved { controller.saveState(to: &$0) }
        let restored = I8042(onReset: {})
        try restored.restoreState(from: &reader)
        #expect(restored.registers == controller.registers)
        #expect(restored.commandPort.read(offset: 0, size: 1) & 0x01 == 0x01)   // output buffer full
        #expect(restored.dataPort.read(offset: 0, size: 1) == 0x47)
    }

    @Test func rtcKeepsCMOSRAMTheIndexAndItsFormat() throws {
        let now = CMOSDateTime(year: 2026, month: 12, day: 1, hour: 13, minute: 5, second: 9, weekday: 3)
        let rtc = CMOSRTC(clock: { now })
        rtc.presetMemorySize(ramBytes: 64 << 20)
        rtc.write(offset: 0, size: 1, value: 0x0B)
        rtc.write(offset: 1, size: 1, value: 0x06)                    // binary, 24-hour
        rtc.write(offset: 0, size: 1, value: 0x40)
        rtc.write(offset: 1, size: 1, value: 0x99)                    // a RAM byte
        rtc.write(offset: 0, size: 1, value: 0x04)                    // index: hours
        var reader = saved { rtc.saveState(to: &$0) }
        let restored = CMOSRTC(clock: { now })
        try restored.restoreState(from: &reader)
        #expect(restored.registers == rtc.registers)
        #expect(restored.read(offset: 1, size: 1) == 13)                // binary 24-hour hours
        restored.write(offset: 0, size: 1, value: 0x40)
        #expect(restored.read(offset: 1, size: 1) == 0x99)
        restored.write(offset: 0, size: 1, value: 0x34)                 // memory size above 16 MiB (64 KiB units)
        #expect(restored.read(offset: 1, size: 1) == rtc.registers.ram[0x34])
    }

    @Test func pciHostKeepsConfigAddressBARsAndCommand() throws {
        func ports() throws -> PCIHostBridgePorts {
            var pci = PCIBus()
            try pci.insert(.i440fxHostBridge(), at: PCIAddress(device: 0))
            try pci.insert(.testDevice(), at: PCIAddress(device: 3))
            return PCIHostBridgePorts(bus: pci)
        }
        let original = try ports()
        original.write(offset: 0, size: 4, value: pciConfigAddress(device: 3, register: 0x10))
        original.write(offset: 4, size: 4, value: 0xFEB0_0000)          // BAR0
        original.write(offset: 0, size: 4, value: pciConfigAddress(device: 3, register: 0x04))
        original.write(offset: 4, size: 2, value: 0x0007)               // I/O, memory, bus master
        var reader = saved { original.saveState(to: &$0) }
        let restored = try ports()
        try restored.restoreState(from: &reader)
        #expect(restored.bus == original.bus)
        #expect(restored.configAddress == original.configAddress)
        #expect(restored.bus[PCIAddress(device: 3)]?.barAddress(0) == 0xFEB0_0000)
        #expect(restored.read(offset: 4, size: 2) == 0x0007)
    }

    @Test func aPCIFunctionThatIsAnotherDeviceIsRefused() throws {
        var function = PCIFunction.testDevice()
        var writer = StateWriter()
        function.save(to: &writer)
        var bytes = writer.bytes
        bytes[0] = 0xF4                                                 // vendor ID 0x1bf4: read-only
        var reader = StateReader(bytes, section: .devices)
        do {
            try function.restore(from: &reader)
            Issue.record("a function with another vendor ID was accepted")
        } catch {
            #expect("\(error)".contains("offset 0x0 holds 0xf4"), "\(error)")
        }
        #expect(function == PCIFunction.testDevice(), "a refused restore changes nothing")
    }

    @Test func msixTableKeepsEntriesAndPendingBitsAndRefusesBitsPastItsVectors() throws {
        var table = PCIMSIXTable(vectorCount: 3)
        table.writeTable(offset: 16, size: 8, value: 0xFEE0_0000)
        table.writeTable(offset: 24, size: 4, value: 0x41)
        table.setPending(2, true)
        var writer = StateWriter()
        table.save(to: &writer)
        var restored = PCIMSIXTable(vectorCount: 3)
        var reader = StateReader(writer.bytes, section: .virtio)
        try restored.restore(from: &reader)
        #expect(restored == table)
        var bytes = writer.bytes
        bytes[bytes.count - 8] = 0x08                                   // vector 3 of a 3-vector table
        reader = StateReader(bytes, section: .virtio)
        #expect(throws: SnapshotError.field(file: "", section: .virtio, field: "MSI-X pending bits 0", problem: "bits past vector 2 are set")) {
            try restored.restore(from: &reader)
        }
    }

    @Test func snapshotPortProbesCountsRequestsAndRestoresOneGenerationOn() throws {
        let requests = RequestLog()
        let port = SnapshotRequestPort { requests.append($0); return true }
        #expect(port.read(offset: 0, size: 4) == 0x5253_5653)
        #expect(port.read(offset: 4, size: 4) == 0)
        #expect(port.read(offset: 1, size: 1) == 0xFF)
        port.write(offset: 0, size: 2, value: 9)                        // not a request: 32-bit only
        port.write(offset: 4, size: 4, value: 9)
        port.write(offset: 0, size: 4, value: 7)
        #expect(requests.tags == [7])
        var reader = saved { port.saveState(to: &$0) }
        let restored = SnapshotRequestPort { _ in false }
        try restored.restoreState(from: &reader)
        #expect(restored.read(offset: 4, size: 4) == 1)
    }
}

private final class RequestLog: @unchecked Sendable {
    var tags: [UInt32] = []
    func append(_ tag: UInt32) { tags.append(tag) }
}
