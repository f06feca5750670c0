#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A calendar time as the MC146818 keeps it. The RTC reads it from an injected clock on every access, so
/// tests pass a fixed one and the machine passes `CMOSDateTime.utcNow`.
public struct CMOSDateTime: Equatable, Sendable {
    /// The full year, e.g. 2025 (registers 0x09 and 0x32 hold year % 100 and year / 100).
    public var year: Int
    /// 1–12.
    public var month: Int
    /// 1–31.
    public var day: Int
    /// 0–23.
    public var hour: Int
    public var minute: Int
    public var second: Int
    /// 1–7 with Sunday = 1, as the datasheet numbers register 0x06 (QEMU: tm_wday + 1).
    public var weekday: Int

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, weekday: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.weekday = weekday
    }

    /// The host's current time in UTC (the PC convention Linux assumes for a VM's RTC; QEMU's default too).
    @Sendable public static func utcNow() -> CMOSDateTime {
        var now = time(nil)
        var parts = tm()
        _ = gmtime_r(&now, &parts)
        return CMOSDateTime(year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday),
                            hour: Int(parts.tm_hour), minute: Int(parts.tm_min), second: Int(parts.tm_sec),
                            weekday: Int(parts.tm_wday) + 1)
    }
}
