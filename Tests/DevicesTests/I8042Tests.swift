import Synchronization
import Testing
@testable import Devices

/// Counts calls of a device's reset (or other) callback, from any thread.
final class CallCounter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

@Suite struct I8042Tests {
    let resets = CallCounter()
    let irq1 = RecordingInterruptLine()
    let controller: I8042
    let bus = IOBus()

    init() throws {
        let resets = self.resets
        controller = I8042(onReset: { resets.increment() }, keyboardInterrupt: irq1)
        try bus.register(controller.dataPort, base: I8042.dataPortNumber, length: 1, name: "i8042 data")
        try bus.register(controller.commandPort, base: I8042.commandPortNumber, length: 1, name: "i8042 command")
    }

    var resetCount: Int { resets.value }
    var status: UInt8 { UInt8(bus.read(port: 0x64, size: 1).value) }
    func command(_ value: UInt8) { _ = bus.write(port: 0x64, size: 1, value: UInt32(value)) }
    func data(_ value: UInt8) { _ = bus.write(port: 0x60, size: 1, value: UInt32(value)) }
    func readData() -> UInt8 { UInt8(bus.read(port: 0x60, size: 1).value) }

    @Test func startsAsFirmwareLeavesIt() {
        #expect(status == 0x14)                          // SYS + not inhibited; buffers empty
        command(0x20)
        #expect(status & 0x01 == 0x01)
        #expect(readData() == 0x61)
        #expect(!bus.read(port: 0x61, size: 1).isHandled) // port B is not claimed
    }

    @Test func commandFEPulsesReset() {
        command(0xFE)
        #expect(resetCount == 1)
        command(0xFF)                                   // pulses no bits
        command(0xFD)                                   // bit 0 set: not the reset line
        #expect(resetCount == 1)
        command(0xF0)                                   // pulses bits 3–0, including reset
        #expect(resetCount == 2)
    }

    @Test func writingTheOutputPortWithBitZeroClearResets() {
        command(0xD1)
        data(0xDF)                                      // A20 on, reset line high: nothing happens
        #expect(resetCount == 0)
        command(0xD0)
        #expect(readData() == 0xCF)                     // bits 4–5 report the (empty) output buffer
        command(0xD1)
        data(0xDE)
        #expect(resetCount == 1)
    }

    @Test func selfTestAnswers55AndSetsTheSystemFlag() {
        command(0xAA)
        #expect(status & 0x0D == 0x0D)                  // OBF, SYS, last write was a command
        #expect(readData() == 0x55)
        #expect(status & 0x01 == 0)
        #expect(readData() == 0x55)                     // empty buffer: the last byte again
        command(0xAB)
        #expect(readData() == 0x00)                     // keyboard interface test passes
    }

    @Test func configurationByteRoundTripsThroughCommands20And60() {
        command(0x60)
        data(0x47)
        #expect(status & 0x08 == 0)                     // last write was data
        command(0x20)
        #expect(readData() == 0x47)
        #expect(controller.registers.configuration == 0x47)
    }

    @Test func disableAndEnableKeyboardFlipConfigBit4() {
        command(0xAD)
        command(0x20)
        #expect(readData() & 0x10 == 0x10)
        command(0xAE)
        command(0x20)
        #expect(readData() & 0x10 == 0)
    }

    @Test func keyboardDataIsDroppedAndNeverAnswered() {
        data(0xFF)                                      // keyboard reset: nobody is there
        #expect(status & 0x03 == 0)                     // no reply, input buffer never full
    }

    @Test func outputBufferDrivesIrq1WhenEnabled() {
        command(0xD2)
        data(0x1C)                                      // as if the keyboard sent it
        #expect(irq1.isHigh)
        #expect(readData() == 0x1C)
        #expect(irq1.history == [true, false])
        command(0xD3)
        data(0x42)                                      // mouse-side byte: IRQ 12, not IRQ 1
        #expect(status & 0x21 == 0x21)
        #expect(!irq1.isHigh)
    }

    @Test func widerAccessesUseTheLowByte() {
        command(0xAA)
        #expect(bus.read(port: 0x60, size: 2).value == 0xFF55)
        _ = bus.write(port: 0x64, size: 2, value: 0x12FE)
        #expect(resetCount == 1)
    }
}
