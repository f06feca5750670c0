/// Register offsets and bit names of the 16550A, as the datasheet names them.
enum UARTRegister {
    static let data: UInt16 = 0              // RBR (read) / THR (write); DLL when LCR.DLAB
    static let interruptEnable: UInt16 = 1   // IER; DLM when LCR.DLAB
    static let interruptId: UInt16 = 2       // IIR (read) / FCR (write)
    static let lineControl: UInt16 = 3       // LCR
    static let modemControl: UInt16 = 4      // MCR
    static let lineStatus: UInt16 = 5        // LSR
    static let modemStatus: UInt16 = 6       // MSR
    static let scratch: UInt16 = 7           // SCR
}

enum IER {
    static let receivedData: UInt8 = 0x01
    static let transmitterEmpty: UInt8 = 0x02
    static let lineStatus: UInt8 = 0x04
    static let modemStatus: UInt8 = 0x08
    static let writable: UInt8 = 0x0F
}

enum IIR {
    static let noInterrupt: UInt8 = 0x01
    static let fifosEnabled: UInt8 = 0xC0
}

enum FCR {
    static let enableFifos: UInt8 = 0x01
    static let clearReceiver: UInt8 = 0x02
    static let clearTransmitter: UInt8 = 0x04
}

enum LCR {
    static let divisorLatchAccess: UInt8 = 0x80
}

enum MCR {
    static let dtr: UInt8 = 0x01
    static let rts: UInt8 = 0x02
    static let out1: UInt8 = 0x04
    static let out2: UInt8 = 0x08
    static let loopback: UInt8 = 0x10
    static let writable: UInt8 = 0x1F
}

enum LSR {
    static let dataReady: UInt8 = 0x01
    static let overrunError: UInt8 = 0x02
    static let transmitterHoldingEmpty: UInt8 = 0x20
    static let transmitterEmpty: UInt8 = 0x40
    /// OE, PE, FE, BI: the conditions behind a receiver-line-status interrupt.
    static let errorBits: UInt8 = 0x1E
}

enum MSR {
    static let deltaCTS: UInt8 = 0x01
    static let deltaDSR: UInt8 = 0x02
    static let trailingEdgeRI: UInt8 = 0x04
    static let deltaDCD: UInt8 = 0x08
    static let deltaBits: UInt8 = 0x0F
    static let cts: UInt8 = 0x10
    static let dsr: UInt8 = 0x20
    static let ri: UInt8 = 0x40
    static let dcd: UInt8 = 0x80
    /// What an unconnected PC port reports (as QEMU does): carrier, data set ready and clear to send.
    static let idleLineInputs: UInt8 = dcd | dsr | cts
}
