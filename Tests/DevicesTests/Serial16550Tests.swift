import Testing
@testable import Devices

/// Register offsets, spelled as a driver would.
private let THR: UInt16 = 0, RBR: UInt16 = 0, DLL: UInt16 = 0, IER: UInt16 = 1, DLM: UInt16 = 1
private let IIR: UInt16 = 2, FCR: UInt16 = 2, LCR: UInt16 = 3, MCR: UInt16 = 4, LSR: UInt16 = 5
private let MSR: UInt16 = 6, SCR: UInt16 = 7

@Suite struct Serial16550Tests {
    let sink = CaptureSink(limit: 1 << 16)
    let irq = RecordingInterruptLine()
    let uart: Serial16550

    init() { uart = Serial16550(output: sink, interrupt: irq) }

    func read(_ offset: UInt16) -> UInt8 { UInt8(uart.read(offset: offset, size: 1)) }
    func write(_ offset: UInt16, _ value: UInt8) { uart.write(offset: offset, size: 1, value: UInt32(value)) }

    @Test func transmittedBytesReachTheSink() {
        for byte in "hi\n".utf8 { write(THR, byte) }
        #expect(sink.text == "hi\n")
    }

    @Test func lsrReportsTransmitterEmptyAfterEveryWrite() {
        #expect(read(LSR) == 0x60)
        write(THR, 0x41)
        #expect(read(LSR) & 0x60 == 0x60)
    }

    @Test func dlabSwitchesOffsetsZeroAndOneToTheDivisorLatch() {
        write(IER, 0x05)
        write(LCR, 0x83)
        write(DLL, 0x01)
        write(DLM, 0x02)
        #expect(read(DLL) == 0x01)
        #expect(read(DLM) == 0x02)
        write(LCR, 0x03)
        #expect(read(IER) == 0x05)
        #expect(sink.bytes.isEmpty)           // the DLL write was not a transmission
        #expect(uart.registers.divisorLatchLow == 1 && uart.registers.divisorLatchHigh == 2)
    }

    @Test func plainRegistersReadBackWhatWasWritten() {
        write(LCR, 0x1B)
        write(SCR, 0xA5)
        write(IER, 0xFF)
        write(MCR, 0xFF)
        #expect(read(LCR) == 0x1B)
        #expect(read(SCR) == 0xA5)
        #expect(read(IER) == 0x0F)            // only bits 0–3 exist
        #expect(read(MCR) == 0x1F)            // only bits 0–4 exist
    }

    @Test func loopbackReturnsTransmittedBytesThroughTheReceiver() {
        write(MCR, 0x10)
        write(THR, 0x5A)
        #expect(sink.bytes.isEmpty)
        #expect(read(LSR) & 0x01 == 0x01)
        #expect(read(RBR) == 0x5A)
        #expect(read(LSR) & 0x01 == 0)
    }

    @Test func msrMirrorsModemControlInLoopback() {
        #expect(read(MSR) & 0xF0 == 0xB0)     // idle line: DCD, DSR, CTS
        write(MCR, 0x10 | 0x0A)               // loopback + OUT2 + RTS, as Linux probes
        #expect(read(MSR) & 0xF0 == 0x90)     // DCD + CTS
        write(MCR, 0x10 | 0x05)               // loopback + OUT1 + DTR
        let msr = read(MSR)
        #expect(msr & 0xF0 == 0x60)           // RI + DSR
        #expect(msr & 0x0B == 0x0B)           // DCTS, DDSR, DDCD all changed
        #expect(read(MSR) & 0x0F == 0)        // deltas clear on read
        write(MCR, 0x10)                      // RI falls: trailing edge
        #expect(read(MSR) & 0x04 == 0x04)
    }

    @Test func receiverOverflowSetsOverrunWhichClearsOnLsrRead() {
        let accepted = uart.enqueueInput(Array(0..<20))
        #expect(accepted == 16)
        #expect(uart.inputSpace == 0)
        let lsr = read(LSR)
        #expect(lsr & 0x03 == 0x03)           // DR + OE
        #expect(read(LSR) & 0x02 == 0)
        // The FIFO kept the first 16 bytes; the overflow did not overwrite them.
        #expect((0..<16).map { _ in read(RBR) } == Array(0..<16))
        #expect(read(LSR) & 0x01 == 0)
    }

    @Test func fifoControlClearsTheReceiver() {
        write(FCR, 0x01)
        uart.enqueueInput([1, 2, 3])
        #expect(read(IIR) & 0xC0 == 0xC0)
        write(FCR, 0x03)
        #expect(read(LSR) & 0x01 == 0)
        #expect(uart.registers.receiveFifo.isEmpty)
        write(FCR, 0x07)                      // clearing an empty transmitter is harmless
        #expect(read(LSR) == 0x60)
        write(FCR, 0x00)
        #expect(read(IIR) & 0xC0 == 0)
    }

    @Test func iirReportsTheHighestPrioritySource() {
        write(IER, 0x0F)
        #expect(read(IIR) == 0x02)            // THR empty, raised by enabling it
        #expect(read(IIR) == 0x01)            // ...and cleared by that IIR read
        uart.enqueueInput([0x41])
        #expect(read(IIR) == 0x04)            // received data
        uart.enqueueInput(Array(repeating: 0, count: 16))   // overflow
        #expect(read(IIR) == 0x06)            // line status beats received data
        _ = read(LSR)
        #expect(read(IIR) == 0x04)
        for _ in 0..<16 { _ = read(RBR) }
        #expect(read(IIR) == 0x01)
        write(MCR, 0x10 | 0x02)               // loopback + RTS: CTS changes
        #expect(read(IIR) == 0x00)            // modem status, lowest priority
        _ = read(MSR)
        #expect(read(IIR) == 0x01)
    }

    @Test func thrEmptyInterruptReturnsAfterEachWriteAndIsClearedByIirRead() {
        write(IER, 0x02)
        #expect(read(IIR) == 0x02)
        #expect(read(IIR) == 0x01)
        write(THR, 0x41)
        #expect(read(IIR) == 0x02)
        #expect(read(IIR) == 0x01)
    }

    @Test func receivedDataBelowTheTriggerLevelIsReportedAsATimeout() {
        write(FCR, 0x81)                      // FIFOs on, trigger level 8
        write(IER, 0x01)
        uart.enqueueInput([1, 2, 3])
        #expect(read(IIR) == 0xCC)
        uart.enqueueInput([4, 5, 6, 7, 8])
        #expect(read(IIR) == 0xC4)
    }

    @Test func interruptLineFollowsEnablesAndIsGatedByOut2() {
        write(IER, 0x01)
        uart.enqueueInput([0x41])
        #expect(!irq.isHigh)                  // OUT2 low: the PC's IRQ buffer is off
        write(MCR, 0x08)
        #expect(irq.isHigh)
        _ = read(RBR)
        #expect(!irq.isHigh)
        uart.enqueueInput([0x42])
        #expect(irq.isHigh)
        write(IER, 0x00)
        #expect(!irq.isHigh)
        #expect(irq.history == [true, false, true, false])   // driven only on changes
    }

    @Test func interruptLineForThrEmptyDropsWhenIirIsRead() {
        write(MCR, 0x08)
        write(IER, 0x02)
        #expect(irq.isHigh)
        _ = read(IIR)
        #expect(!irq.isHigh)
        write(THR, 0x41)
        #expect(irq.isHigh)
    }

    @Test func loopbackKeepsTheExternalLineLow() {
        write(MCR, 0x18)                      // OUT2 + loopback
        write(IER, 0x01)
        write(THR, 0x41)
        #expect(read(IIR) == 0x04)            // reported internally...
        #expect(!irq.isHigh)                  // ...but the OUT2 pin is forced inactive
    }

    @Test func wideAccessesAreSplitIntoByteRegisters() {
        write(LCR, 0x03)
        uart.write(offset: 7, size: 1, value: 0x5A)
        // Offsets 5, 6, 7 and the nonexistent 8.
        #expect(uart.read(offset: 5, size: 4) == 0xFF5A_B060)
    }

    @Test func registerStateIsAComparableSnapshot() {
        let before = uart.registers
        write(SCR, 1)
        #expect(uart.registers != before)
        write(SCR, 0)
        #expect(uart.registers == before)
    }
}
