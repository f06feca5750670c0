/// The 128 bytes behind ports 0x70/0x71 of a PC — an MC146818 real-time clock plus its battery-backed
/// RAM — and their rules, with the time passed in: `CMOSRTC` supplies it from its clock on each access.
///
/// Semantics (Motorola MC146818A datasheet; checked against QEMU's hw/rtc/mc146818rtc.c):
/// - Index port: bits 6–0 select the register; bit 7 is the PC's NMI mask, remembered but not acted on.
/// - 0x00, 0x02, 0x04, 0x06–0x09 and 0x32 (century) are computed from the clock at each read, in the
///   format register B selects at that moment: BCD unless DM (bit 2) is set, and 12-hour with the PM
///   flag in bit 7 of the hour unless 24/12 (bit 1) is set. Century follows the same format, as in QEMU.
/// - The clock is read-only: writes to the time registers are ignored, and so is SET (register B bit 7)
///   except that it is stored and clears UIE, as on the chip. A guest that sets the time sees no change.
/// - Register A: writable except UIP (bit 7), which is never set. Without sub-second time there is no
///   honest 244 µs window; a guest that waits for a rising UIP edge must time out (Linux does) and can
///   use UF in register C to find a second boundary instead. Divider bits are stored; the clock never stops.
/// - Register C: UF is set when a read finds that the clock's second has moved since the previous access
///   (at least one update cycle ended) unless SET is on; AF as well when the new time matches the alarm
///   (0x01/0x03/0x05, a byte with bits 7–6 set matching anything). PF is never set. IRQF (bit 7) is
///   the OR of the flags enabled in register B. Reading C returns it and clears it. IRQ 8 is not wired:
///   no interrupt is ever delivered, so guests must poll.
/// - Register D: VRT (bit 7) always set; read-only.
/// - Everything else, 0x0E–0x7F, is RAM: writable, and presettable by the machine (`preset`).
public struct CMOSRTCRegisters: Equatable, Sendable {
    public static let size = 128

    /// The stored bytes. Time registers and 0x32 are not kept here (they come from the clock); C holds
    /// only the pending flags.
    public internal(set) var ram: [UInt8]
    public internal(set) var index: UInt8 = 0
    public internal(set) var nmiDisabled = false
    /// The time seen at the previous access, to notice update cycles in between.
    var lastSeen: CMOSDateTime?

    public init() {
        ram = [UInt8](repeating: 0, count: Self.size)
        ram[Int(RTCRegister.a)] = RTCRegisterA.initial
        ram[Int(RTCRegister.b)] = RTCRegisterB.initial
        ram[Int(RTCRegister.d)] = RTCRegisterD.validRAMAndTime
    }

    public var registerB: UInt8 { ram[Int(RTCRegister.b)] }

    // MARK: - Accesses

    /// A write to port 0x70.
    public mutating func writeIndex(_ value: UInt8) {
        index = value & 0x7F
        nmiDisabled = value & 0x80 != 0
    }

    /// A read of port 0x71 at time `now`.
    public mutating func readData(now: CMOSDateTime) -> UInt8 {
        observe(now)
        switch index {
        case RTCRegister.c:
            let flags = ram[Int(RTCRegister.c)]
            ram[Int(RTCRegister.c)] = 0
            let enabled = flags & registerB & RTCRegisterC.flags != 0
            return flags | (enabled ? RTCRegisterC.interruptRequest : 0)
        case RTCRegister.a:
            return ram[Int(RTCRegister.a)] & ~RTCRegisterA.updateInProgress
        case RTCRegister.d:
            return RTCRegisterD.validRAMAndTime
        default:
            return timeRegister(index, at: now) ?? ram[Int(index)]
        }
    }

    /// A write to port 0x71 at time `now`.
    public mutating func writeData(_ value: UInt8, now: CMOSDateTime) {
        observe(now)
        switch index {
        case RTCRegister.a:
            ram[Int(RTCRegister.a)] = value & ~RTCRegisterA.updateInProgress
        case RTCRegister.b:
            let setting = value & RTCRegisterB.set != 0
            ram[Int(RTCRegister.b)] = setting ? value & ~RTCRegisterB.updateEndedInterruptEnable : value
        case RTCRegister.c, RTCRegister.d:
            break                                         // read-only
        case _ where timeRegister(index, at: now) != nil:
            break                                         // read-only clock
        default:
            ram[Int(index)] = value
        }
    }

    /// Sets a RAM byte as the machine's firmware would have (memory size, equipment, CPU count …).
    /// Clock registers (0x00–0x0D, 0x32) are not RAM and are left alone.
    public mutating func preset(_ value: UInt8, at index: UInt8) {
        guard Int(index) < Self.size, index > RTCRegister.d, index != RTCRegister.century else { return }
        ram[Int(index)] = value
    }

    // MARK: - Clock

    /// The value of a time register at `now` in the current format, or nil if `index` is not one.
    public func timeRegister(_ index: UInt8, at now: CMOSDateTime) -> UInt8? {
        switch index {
        case RTCRegister.seconds: return encode(now.second)
        case RTCRegister.minutes: return encode(now.minute)
        case RTCRegister.hours: return encodeHour(now.hour)
        case RTCRegister.weekday: return encode(now.weekday)
        case RTCRegister.dayOfMonth: return encode(now.day)
        case RTCRegister.month: return encode(now.month)
        case RTCRegister.year: return encode(now.year % 100)
        case RTCRegister.century: return encode(now.year / 100)
        default: return nil
        }
    }

    private func encode(_ value: Int) -> UInt8 {
        let value = UInt8(clamping: max(0, min(value, 99)))
        return registerB & RTCRegisterB.binaryMode != 0 ? value : (value / 10) << 4 | value % 10
    }

    private func encodeHour(_ hour: Int) -> UInt8 {
        if registerB & RTCRegisterB.twentyFourHour != 0 { return encode(hour) }
        let twelveHour = hour % 12 == 0 ? 12 : hour % 12
        return encode(twelveHour) | (hour >= 12 ? 0x80 : 0)
    }

    /// Raises UF (and AF on an alarm match) when the clock has moved since the previous access.
    private mutating func observe(_ now: CMOSDateTime) {
        defer { lastSeen = now }
        guard let previous = lastSeen, previous != now, registerB & RTCRegisterB.set == 0 else { return }
        var flags = RTCRegisterC.updateEnded
        if alarmMatches(now) { flags |= RTCRegisterC.alarm }
        ram[Int(RTCRegister.c)] |= flags
    }

    private func alarmMatches(_ now: CMOSDateTime) -> Bool {
        let pairs: [(alarm: UInt8, time: UInt8)] = [(RTCRegister.secondsAlarm, RTCRegister.seconds),
                                                    (RTCRegister.minutesAlarm, RTCRegister.minutes),
                                                    (RTCRegister.hoursAlarm, RTCRegister.hours)]
        return pairs.allSatisfy { pair in
            let alarm = ram[Int(pair.alarm)]
            return alarm & 0xC0 == 0xC0 || alarm == timeRegister(pair.time, at: now)
        }
    }
}
