import Testing
@testable import Devices

@Suite struct IOBusTests {
    @Test func dispatchesWithTheOffsetFromTheDeviceBase() throws {
        let bus = IOBus()
        let device = RecordingDevice(answer: 0xAABB_CCDD)
        try bus.register(device, base: 0x3F8, length: 8, name: "COM1")

        #expect(bus.read(port: 0x3FD, size: 1) == .handled(0xDD))
        #expect(bus.read(port: 0x3F8, size: 4) == .handled(0xAABB_CCDD))
        #expect(bus.write(port: 0x3FF, size: 2, value: 0x1_BEEF) == .handled(0xBEEF))
        #expect(device.reads.map(\.offset) == [5, 0])
        #expect(device.reads.map(\.size) == [1, 4])
        #expect(device.writes.count == 1)
        #expect(device.writes.first?.offset == 7)
        #expect(device.writes.first?.value == 0xBEEF)
        #expect(bus.unhandledAccesses == 0)
        #expect(bus.firstUnhandled == nil)
    }

    /// The lookup tests its group-of-16 bitmap, then walks the packed, sorted ranges and stops at the first
    /// one above the port: every port below, between, at the edges of and above the ranges finds exactly
    /// its device or none, whatever order the devices were registered in (and on a bus that counts
    /// without a lock, too). Ranges that cross a group's edge (0x1FE, 0x500) or fill a group's end
    /// (0xFFFF) mark every group they touch, and a group shared with a device (0x3F0–0x3F7) still misses.
    @Test(arguments: [true, false])
    func everyPortFindsItsDeviceOrNone(serializes: Bool) throws {
        let bus = IOBus(serializesDevices: serializes)
        let layout: [(base: UInt16, length: UInt16)] = [(0x3F8, 8), (0x20, 2), (0xCF8, 8), (0x60, 1), (0x64, 1), (0xFFFF, 1), (0, 1),
                                                        (0x1FE, 4), (0x500, 0x41)]
        let devices = layout.map { _ in RecordingDevice(answer: 0) }
        for (device, range) in zip(devices, layout) {
            try bus.register(device, base: range.base, length: range.length, name: "dev\(range.base)")
        }
        var expectedUnhandled: UInt64 = 0
        var wrong: [String] = []
        for port in UInt32(0)...0xFFFF {
            let port = UInt16(port)
            let owner = layout.firstIndex { UInt32(port) >= UInt32($0.base) && UInt32(port) < UInt32($0.base) + UInt32($0.length) }
            let before = owner.map { devices[$0].writes.count }
            let access = bus.write(port: port, size: 1, value: 0x5A)
            if let owner, let before {
                if access != .handled(0x5A) || devices[owner].writes.count != before + 1
                    || devices[owner].writes.last?.offset != port - layout[owner].base {
                    wrong.append("port \(port): \(access), device \(layout[owner].base)")
                }
            } else if access != .unhandled(0x5A) {
                wrong.append("port \(port): \(access), no device")
            }
            if owner == nil { expectedUnhandled += 1 }
            if bus.isAssigned(port) != (owner != nil) { wrong.append("port \(port): isAssigned wrong") }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
        #expect(bus.unhandledAccesses == expectedUnhandled)
        #expect(bus.firstUnhandled?.port == 1)
    }

    @Test func overlappingRegistrationIsRefused() throws {
        let bus = IOBus()
        try bus.register(RecordingDevice(), base: 0x3F8, length: 8, name: "COM1")
        #expect(throws: IOBusError.self) {
            try bus.register(RecordingDevice(), base: 0x3FF, length: 1, name: "late")
        }
        #expect(throws: IOBusError.self) {
            try bus.register(RecordingDevice(), base: 0x3F0, length: 9, name: "early")
        }
        // Adjacent ranges are fine.
        try bus.register(RecordingDevice(), base: 0x3F0, length: 8, name: "below")
        try bus.register(RecordingDevice(), base: 0x400, length: 1, name: "above")
        #expect(bus.layout.map(\.name) == ["below", "COM1", "above"])
    }

    @Test func overlapErrorNamesBothDevices() throws {
        let bus = IOBus()
        try bus.register(RecordingDevice(), base: 0xF4, length: 4, name: "debug-exit")
        let error = #expect(throws: IOBusError.self) {
            try bus.register(RecordingDevice(), base: 0xF6, length: 2, name: "other")
        }
        let message = error?.description ?? ""
        #expect(message.contains("debug-exit") && message.contains("other") && message.contains("0xf4–0xf7"))
    }

    @Test func emptyOrWrappingRangesAreRefused() {
        let bus = IOBus()
        #expect(throws: IOBusError.invalidRange(name: "empty", base: 0x10, length: 0)) {
            try bus.register(RecordingDevice(), base: 0x10, length: 0, name: "empty")
        }
        #expect(throws: IOBusError.invalidRange(name: "wrap", base: 0xFFFF, length: 2)) {
            try bus.register(RecordingDevice(), base: 0xFFFF, length: 2, name: "wrap")
        }
    }

    @Test(arguments: [(1, UInt32(0xFF)), (2, 0xFFFF), (4, 0xFFFF_FFFF)])
    func unhandledReadsAreAllOnesAndCounted(size: Int, expected: UInt32) {
        let bus = IOBus()
        #expect(bus.read(port: 0x80, size: size) == .unhandled(expected))
        #expect(bus.read(port: 0x80, size: size).value == expected)
        #expect(bus.unhandledAccesses == 2)
    }

    @Test func unhandledWritesAreCountedAndTheFirstIsRemembered() throws {
        let bus = IOBus()
        try bus.register(RecordingDevice(), base: 0x3F8, length: 8, name: "COM1")
        #expect(bus.write(port: 0x80, size: 1, value: 0x42) == .unhandled(0x42))
        _ = bus.read(port: 0x61, size: 1)
        _ = bus.read(port: 0x3F8, size: 1)
        #expect(bus.unhandledAccesses == 2)
        #expect(bus.firstUnhandled?.port == 0x80)
        #expect(bus.firstUnhandled?.isWrite == true)
    }

    @Test func oddSizesAreNotDispatched() throws {
        let bus = IOBus()
        let device = RecordingDevice()
        try bus.register(device, base: 0x10, length: 4, name: "dev")
        #expect(bus.read(port: 0x10, size: 3) == .unhandled(0xFFFF))
        #expect(bus.write(port: 0x10, size: 0, value: 1) == .unhandled(1 & 0xFF))
        #expect(device.reads.isEmpty && device.writes.isEmpty)
        #expect(bus.unhandledAccesses == 2)
    }

    @Test func concurrentAccessesToOneDeviceAreSerialized() async throws {
        let bus = IOBus()
        let device = RecordingDevice()
        try bus.register(device, base: 0x10, length: 1, name: "dev")
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { for _ in 0..<500 { _ = bus.write(port: 0x10, size: 1, value: 1) } }
            }
        }
        #expect(device.writes.count == 4000)
    }
}
