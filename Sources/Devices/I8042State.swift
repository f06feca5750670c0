import Snapshot

/// The keyboard controller's registers as snapshot fields (DEVS section).
extension I8042Registers: SavedState {
    public func save(to writer: inout StateWriter) {
        writer.u8(configuration)
        writer.u8(outputPort)
        writer.optionalU8(outputBuffer)
        writer.bool(outputFromAux)
        writer.u8(lastOutput)
        writer.bool(systemFlag)
        writer.bool(lastWriteWasCommand)
        writer.optionalU8(pendingCommand)
    }

    public mutating func restore(from reader: inout StateReader) throws(SnapshotError) {
        configuration = try reader.u8("i8042 configuration")
        outputPort = try reader.u8("i8042 output port")
        outputBuffer = try reader.optionalU8("i8042 output buffer")
        outputFromAux = try reader.bool("i8042 output from aux")
        lastOutput = try reader.u8("i8042 last output")
        systemFlag = try reader.bool("i8042 system flag")
        lastWriteWasCommand = try reader.bool("i8042 last write was a command")
        pendingCommand = try reader.optionalU8("i8042 pending command")
    }
}
