import Snapshot

/// The UART's registers and RX FIFO as snapshot fields (DEVS section, docs/snapshot-format.md).
extension Serial16550Registers: SavedState {
    public func save(to writer: inout StateWriter) {
        writer.u8(interruptEnable)
        writer.u8(lineControl)
        writer.u8(modemControl)
        writer.u8(scratch)
        writer.u8(divisorLatchLow)
        writer.u8(divisorLatchHigh)
        writer.bool(fifosEnabled)
        writer.u8(UInt8(receiveTriggerLevel))
        writer.u8(UInt8(receiveFifo.count))
        writer.bytes(receiveFifo)
        writer.bool(overrunError)
        writer.bool(transmitterEmptyEventPending)
        writer.u8(modemStatusDeltas)
    }

    public mutating func restore(from reader: inout StateReader) throws(SnapshotError) {
        interruptEnable = try reader.u8("serial IER", within: IER.writable)
        lineControl = try reader.u8("serial LCR")
        modemControl = try reader.u8("serial MCR", within: MCR.writable)
        scratch = try reader.u8("serial SCR")
        divisorLatchLow = try reader.u8("serial DLL")
        divisorLatchHigh = try reader.u8("serial DLM")
        fifosEnabled = try reader.bool("serial FIFOs enabled")
        receiveTriggerLevel = Int(try reader.u8("serial RX trigger level", oneOf: [1, 4, 8, 14]))
        let count = try reader.u8("serial RX FIFO count")
        guard Int(count) <= Self.receiveFifoCapacity else {
            throw reader.failure("serial RX FIFO count", "\(count) bytes; the FIFO holds \(Self.receiveFifoCapacity)")
        }
        receiveFifo = try reader.bytes(count: Int(count), field: "serial RX FIFO")
        overrunError = try reader.bool("serial overrun")
        transmitterEmptyEventPending = try reader.bool("serial THRE event")
        modemStatusDeltas = try reader.u8("serial MSR deltas", within: 0x0F)
    }
}
