import Synchronization
import Testing
@testable import Devices

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let time: Mutex<CMOSDateTime>
    init(_ time: CMOSDateTime) { self.time = Mutex(time) }
    var now: CMOSDateTime { time.withLock { $0 } }
    func advance(seconds: Int) { time.withLock { $0.second += seconds } }   // within one minute is enough here
}

/// Friday 2025-03-14 15:09:26 UTC (Sunday = 1, so Friday = 6).
let piDay = CMOSDateTime(year: 2025, month: 3, day: 14, hour: 15, minute: 9, second: 26, weekday: 6)

@Suite struct CMOSRTCTests {
    let clock = ManualClock(piDay)
    let rtc: CMOSRTC
    let bus = IOBus()

    init() throws {
        let clock = self.clock
        rtc = CMOSRTC(clock: { clock.now })
        try bus.register(rtc, base: CMOSRTC.basePort, length: CMOSRTC.portCount, name: "cmos-rtc")
    }

    func read(_ index: UInt8) -> UInt8 {
        _ = bus.write(port: 0x70, size: 1, value: UInt32(index))
        return UInt8(bus.read(port: 0x71, size: 1).value)
    }

    func write(_ index: UInt8, _ value: UInt8) {
        _ = bus.write(port: 0x70, size: 1, value: UInt32(index))
        _ = bus.write(port: 0x71, size: 1, value: UInt32(value))
    }

    func time() -> [UInt8] { [0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, 0x32].map(read) }

    @Test func startsInBcd24HourModeWithValidRam() {
        #expect(read(0x0A) == 0x26)
        #expect(read(0x0B) == 0x02)
        #expect(read(0x0D) == 0x80)
        #expect(time() == [0x26, 0x09, 0x15, 0x06, 0x14, 0x03, 0x25, 0x20])
    }

    @Test func binaryModeWhenTheGuestSetsDM() {
        write(0x0B, 0x06)
        #expect(time() == [26, 9, 15, 6, 14, 3, 25, 20])
        write(0x0B, 0x02)                                // clearing DM brings BCD back at once
        #expect(read(0x00) == 0x26)
    }

    @Test func twelveHourModeFlagsPM() {
        write(0x0B, 0x00)                                // BCD, 12-hour
        #expect(read(0x04) == 0x83)                      // 3 PM
        write(0x0B, 0x04)                                // binary, 12-hour
        #expect(read(0x04) == 0x83)
        let midnight = CMOSDateTime(year: 2025, month: 1, day: 1, hour: 0, minute: 0, second: 0, weekday: 4)
        var registers = CMOSRTCRegisters()
        registers.writeIndex(0x0B)
        registers.writeData(0x00, now: midnight)
        #expect(registers.timeRegister(0x04, at: midnight) == 0x12)   // 12 AM
    }

    @Test func timeRegistersIgnoreWritesEvenWithSet() {
        write(0x0B, 0x82 | 0x10)                         // SET + UIE: UIE is cleared by SET
        #expect(read(0x0B) == 0x82)
        write(0x00, 0x59)
        write(0x09, 0x99)
        write(0x32, 0x19)
        write(0x0B, 0x02)
        #expect(time() == [0x26, 0x09, 0x15, 0x06, 0x14, 0x03, 0x25, 0x20])
    }

    @Test func registerAKeepsUipClear() {
        write(0x0A, 0xA6)
        #expect(read(0x0A) == 0x26)
    }

    @Test func registerCReportsAnUpdateOnceAndClearsOnRead() {
        #expect(read(0x0C) == 0)
        clock.advance(seconds: 1)
        #expect(read(0x0C) == 0x10)                      // UF; not enabled, so no IRQF
        #expect(read(0x0C) == 0)
        write(0x0B, 0x12)                                // UIE
        clock.advance(seconds: 1)
        #expect(read(0x0C) == 0x90)                      // IRQF + UF
        write(0x0C, 0xFF)                                // read-only
        write(0x0D, 0x00)
        #expect(read(0x0C) == 0)
        #expect(read(0x0D) == 0x80)
    }

    @Test func alarmRegistersAreWritableAndMatchWithDontCare() {
        write(0x01, 0x28)
        write(0x03, 0xC0)                                // any minute
        write(0x05, 0xFF)                                // any hour
        #expect([read(0x01), read(0x03), read(0x05)] == [0x28, 0xC0, 0xFF])
        _ = read(0x0C)
        clock.advance(seconds: 1)                        // 15:09:27: no match
        #expect(read(0x0C) == 0x10)
        clock.advance(seconds: 1)                        // 15:09:28: alarm
        #expect(read(0x0C) == 0x30)
    }

    @Test func indexPortRemembersNmiMaskAndReadsAllOnes() {
        _ = bus.write(port: 0x70, size: 1, value: 0x80 | 0x0D)
        #expect(rtc.registers.nmiDisabled)
        #expect(rtc.registers.index == 0x0D)
        #expect(bus.read(port: 0x71, size: 1).value == 0x80)
        #expect(bus.read(port: 0x70, size: 1).value == 0xFF)
        _ = bus.write(port: 0x70, size: 1, value: 0x0D)
        #expect(!rtc.registers.nmiDisabled)
    }

    @Test func cmosRamIsWritableEverywhereElse() {
        for index: UInt8 in [0x0E, 0x0F, 0x10, 0x31, 0x33, 0x5F, 0x7F] {
            write(index, index ^ 0xA5)
            #expect(read(index) == index ^ 0xA5)
        }
        _ = bus.write(port: 0x70, size: 2, value: 0x4240)   // outw: index 0x40, then 0x42 to data
        #expect(read(0x40) == 0x42)
    }

    @Test func presetsTouchOnlyRam() {
        rtc.preset(0x01, at: 0x5F)
        rtc.preset(0x99, at: 0x00)
        rtc.preset(0x99, at: 0x32)
        #expect(read(0x5F) == 0x01)
        #expect(read(0x00) == 0x26 && read(0x32) == 0x20)
    }

    /// Expected values as QEMU's pc_cmos_init computes them for the same split of RAM below/above 4 GiB.
    @Test(arguments: [
        (UInt64(64) << 20, [0x80, 0x02, 0x00, 0xFC, 0x00, 0xFC, 0x00, 0x03, 0x00, 0x00, 0x00] as [UInt8]),
        (UInt64(1) << 30, [0x80, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x3F, 0x00, 0x00, 0x00]),
        (UInt64(8) << 30, [0x80, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0xBF, 0x00, 0x40, 0x01]),
    ])
    func memorySizePresetsMatchQemu(ramBytes: UInt64, expected: [UInt8]) {
        rtc.presetMemorySize(ramBytes: ramBytes)
        let fields: [UInt8] = [0x15, 0x16, 0x17, 0x18, 0x30, 0x31, 0x34, 0x35, 0x5B, 0x5C, 0x5D]
        #expect(fields.map(read) == expected)
    }

    @Test func qemuStyleSplitCanBePassedExplicitly() {
        rtc.presetMemorySize(lowRAM: 0xE000_0000, highRAM: 0)       // 3.5 GiB all low, as QEMU pc keeps it
        #expect([read(0x34), read(0x35)] == [0x00, 0xDF])           // (3584 - 16) MiB / 64 KiB = 0xDF00
    }
}
