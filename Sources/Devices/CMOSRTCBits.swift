/// MC146818 register indices and bits (Motorola MC146818A datasheet; the PC/AT CMOS map).
enum RTCRegister {
    static let seconds: UInt8 = 0x00
    static let secondsAlarm: UInt8 = 0x01
    static let minutes: UInt8 = 0x02
    static let minutesAlarm: UInt8 = 0x03
    static let hours: UInt8 = 0x04
    static let hoursAlarm: UInt8 = 0x05
    static let weekday: UInt8 = 0x06
    static let dayOfMonth: UInt8 = 0x07
    static let month: UInt8 = 0x08
    static let year: UInt8 = 0x09
    static let a: UInt8 = 0x0A
    static let b: UInt8 = 0x0B
    static let c: UInt8 = 0x0C
    static let d: UInt8 = 0x0D
    /// Not part of the chip: the PC/AT convention (and ACPI FADT's CENTURY field) for year / 100.
    static let century: UInt8 = 0x32
}

enum RTCRegisterA {
    static let updateInProgress: UInt8 = 0x80
    /// 32.768 kHz time base, 1024 Hz periodic rate: what firmware programs and QEMU starts with.
    static let initial: UInt8 = 0x26
}

enum RTCRegisterB {
    static let set: UInt8 = 0x80
    static let periodicInterruptEnable: UInt8 = 0x40
    static let alarmInterruptEnable: UInt8 = 0x20
    static let updateEndedInterruptEnable: UInt8 = 0x10
    static let binaryMode: UInt8 = 0x04
    static let twentyFourHour: UInt8 = 0x02
    /// 24-hour, BCD, no interrupts: QEMU's initial value.
    static let initial: UInt8 = twentyFourHour
}

enum RTCRegisterC {
    static let interruptRequest: UInt8 = 0x80
    static let periodic: UInt8 = 0x40
    static let alarm: UInt8 = 0x20
    static let updateEnded: UInt8 = 0x10
    static let flags: UInt8 = periodic | alarm | updateEnded
}

enum RTCRegisterD {
    /// Valid RAM and time: the battery is good.
    static let validRAMAndTime: UInt8 = 0x80
}
