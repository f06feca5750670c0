// fuzz-uart: the input is a program of port accesses and host input against one Serial16550 whose
// output goes to a 64-byte CaptureSink.
//
// Each step starts with an op byte:
//   0xxx xxxx  access: offset = bits 0-3 (8-15 lie past the registers), bit 4 = write,
//              bits 5-6 pick the size (1, 2, 4, or 3, which the bus never sends but the device must
//              survive); a write takes `size` value bytes, little-endian.
//   100n nnnn  inject the next n bytes as host input (enqueueInput).
//   11xx xxxx  an access at offset 0xFFFE (wider accesses wrap); bit 4 = write, one value byte.
//
// Invariants, after every step: the capture never holds more than its limit, holds exactly the first
// bytes transmitted, and kept + dropped = transmitted; a THR write transmits exactly when DLAB and
// loopback are off; the RX FIFO never exceeds 16 bytes and input is accepted up to the free space; the
// IRQ wire only ever toggles and matches the register state; LSR always shows THR empty; scratch holds
// what was written.
import Devices
import FuzzSupport

private let captureLimit = 64
private let sizes = [1, 2, 4, 3]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let capture = CaptureSink(limit: captureLimit)
    let shadow = RecordingSink(keep: captureLimit)
    let irq = RecordingInterruptLine()
    let uart = Serial16550(output: TeeSink([capture, shadow]), interrupt: irq)

    while !input.isAtEnd {
        let op = input.byte()
        let before = uart.registers
        let transmittedBefore = shadow.total
        if op & 0xE0 == 0x80 {
            let bytes = input.bytes(upTo: Int(op & 0x1F))
            let space = uart.inputSpace
            let accepted = uart.enqueueInput(bytes)
            require(accepted == min(bytes.count, space), "accepted \(accepted) of \(bytes.count) with \(space) free")
            require(bytes.count <= space || uart.registers.overrunError, "overrun not flagged")
        } else {
            let wraps = op & 0xC0 == 0xC0
            let offset: UInt16 = wraps ? 0xFFFE : UInt16(op & 0x0F)
            let isWrite = op & 0x10 != 0
            let width = wraps ? 4 : sizes[Int(op >> 5) & 3]
            if isWrite {
                let valueBytes = input.bytes(upTo: wraps ? 1 : width)
                let value = valueBytes.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
                uart.write(offset: offset, size: width, value: value)
                if offset == 0 {
                    let sends = !before.divisorLatchAccess && !before.loopback
                    require(shadow.total == transmittedBefore + (sends ? 1 : 0), "THR write transmitted \(shadow.total - transmittedBefore)")
                } else if !wraps {
                    require(shadow.total == transmittedBefore, "write at offset \(offset) transmitted")
                }
                if offset == 7 && width == 1 {
                    require(uart.registers.scratch == UInt8(truncatingIfNeeded: value), "scratch lost its value")
                }
            } else {
                let value = uart.read(offset: offset, size: width)
                require(width == 4 || value >> (8 * width) == 0, "read of \(width) bytes returned \(value)")
                if offset == 5 {
                    require(value & 0x60 == 0x60, "LSR \(value) does not show THR empty")
                }
                require(shadow.total == transmittedBefore, "a read transmitted")
            }
        }
        let registers = uart.registers
        require(registers.receiveFifo.count <= Serial16550Registers.receiveFifoCapacity, "RX FIFO holds \(registers.receiveFifo.count)")
        require(uart.inputSpace == Serial16550Registers.receiveFifoCapacity - registers.receiveFifo.count, "inputSpace wrong")
        require(irq.isHigh == registers.interruptLineHigh, "IRQ wire \(irq.isHigh), registers say \(registers.interruptLineHigh)")
        let captured = capture.bytes
        require(captured.count <= captureLimit, "capture holds \(captured.count) bytes")
        require(captured == shadow.kept, "capture differs from the first bytes transmitted")
        require(UInt64(captured.count) + capture.droppedByteCount == shadow.total, "kept + dropped != transmitted")
    }
    let levels = irq.history
    require(zip(levels, levels.dropFirst()).allSatisfy { $0 != $1 } && levels.first != false,
            "IRQ wire driven to the same level twice: \(levels)")
    return 0
}
