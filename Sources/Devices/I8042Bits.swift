/// Status register bits (port 0x64, read), as the 8042 firmware of the PC/AT defines them.
enum I8042Status {
    static let outputBufferFull: UInt8 = 0x01
    static let inputBufferFull: UInt8 = 0x02
    static let systemFlag: UInt8 = 0x04
    /// Last write went to port 0x64 (a command), not to 0x60 (data).
    static let command: UInt8 = 0x08
    /// Keyboard not inhibited (the key lock switch is open).
    static let unlocked: UInt8 = 0x10
    /// The output buffer byte came from the auxiliary (mouse) port.
    static let auxOutputBufferFull: UInt8 = 0x20
}

/// Controller configuration byte ("command byte") bits, read with 0x20 and written with 0x60.
enum I8042Config {
    static let keyboardInterrupt: UInt8 = 0x01
    static let auxInterrupt: UInt8 = 0x02
    static let systemFlag: UInt8 = 0x04
    static let keyboardDisabled: UInt8 = 0x10
    static let auxDisabled: UInt8 = 0x20
    static let translate: UInt8 = 0x40
}

/// Output port bits (read with 0xD0, written with 0xD1).
enum I8042OutputPort {
    /// Active low: writing 0 here resets the CPU.
    static let systemReset: UInt8 = 0x01
    static let gateA20: UInt8 = 0x02
    static let outputBufferFull: UInt8 = 0x10
    static let auxOutputBufferFull: UInt8 = 0x20
}

/// Controller commands (port 0x64, write).
enum I8042Command {
    static let readConfig: UInt8 = 0x20
    static let writeConfig: UInt8 = 0x60
    static let disableAux: UInt8 = 0xA7
    static let enableAux: UInt8 = 0xA8
    static let testAux: UInt8 = 0xA9
    static let selfTest: UInt8 = 0xAA
    static let testKeyboard: UInt8 = 0xAB
    static let disableKeyboard: UInt8 = 0xAD
    static let enableKeyboard: UInt8 = 0xAE
    static let readInputPort: UInt8 = 0xC0
    static let readOutputPort: UInt8 = 0xD0
    static let writeOutputPort: UInt8 = 0xD1
    static let writeKeyboardOutput: UInt8 = 0xD2
    static let writeAuxOutput: UInt8 = 0xD3
    static let writeToAux: UInt8 = 0xD4
    /// 0xF0–0xFF pulse output port bits 3–0 low where the command's bit is 0; 0xFE pulses only bit 0.
    static let pulseOutputPort: UInt8 = 0xF0
    static let selfTestPassed: UInt8 = 0x55
    static let interfaceTestPassed: UInt8 = 0x00
}
