// fuzz-bus: an IOBus wired like swiftvm's (16550 at 0x3F8, debug-exit at 0xF4, testdev at 0xEC0 over
// a 64 KiB guest), plus one extra device whose range comes from the input, then random accesses over
// the whole port space.
//
// Input: u16 base and u16 length for the extra device, then steps of 7 bytes: u16 port, a control
// byte (bits 0-2 pick the size: 1, 2, 4, and the invalid 0, 3, 8, 1, 4; bit 3 = write), u32 value.
//
// Invariants: the extra device registers exactly when its range is non-empty, ends by 0x10000 and
// overlaps nothing; an access is handled exactly when a device covers its port and the size is 1, 2 or 4;
// an unhandled read is all-ones for its size and every value is truncated to its size; the unhandled
// counter and first-unhandled record are exact; debug-exit fires once per handled write with the
// truncated value; testdev counts one doorbell per handled write to 0xEC0; the UART capture stays capped.
import Devices
import FuzzSupport
import GuestMemory
import Synchronization

private let sizes = [1, 2, 4, 0, 3, 8, 1, 4]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let bus = IOBus()
    let memory = try! GuestMemory(ranges: [GuestRange(start: GuestAddress(0), size: 64 << 10)!])
    let capture = CaptureSink(limit: 64)
    let exits = Mutex<[UInt32]>([])
    let channel = TestDataChannel(memory: memory, console: capture, data: capture)
    var ranges: [ClosedRange<UInt32>] = []
    func wire(_ device: PortDevice, _ base: UInt16, _ length: UInt16, _ name: String) {
        try! bus.register(device, base: base, length: length, name: name)
        ranges.append(UInt32(base)...(UInt32(base) + UInt32(length) - 1))
    }
    wire(Serial16550(output: capture, interrupt: RecordingInterruptLine()), 0x3F8, Serial16550.registerCount, "COM1")
    wire(DebugExit { value in exits.withLock { $0.append(value) } }, DebugExit.defaultPort, DebugExit.portCount, "debug-exit")
    wire(channel, TestDataChannel.defaultPort, TestDataChannel.portCount, "testdev")

    let base = input.integer(UInt16.self), length = input.integer(UInt16.self)
    let end = UInt32(base) + UInt32(length)
    let fits = length > 0 && end <= 0x1_0000 && !ranges.contains { $0.overlaps(UInt32(base)..<end) }
    do {
        try bus.register(ReservedPorts(), base: base, length: length, name: "extra")
        require(fits, "registered extra at \(base)+\(length)")
        ranges.append(UInt32(base)...(end - 1))
    } catch {
        require(!fits, "refused extra at \(base)+\(length): \(error)")
        require(!"\(error)".isEmpty, "empty IOBusError message")
    }

    var unhandled: UInt64 = 0
    var firstUnhandled: (port: UInt16, isWrite: Bool)?
    var expectedExits: [UInt32] = []
    var doorbells: UInt64 = 0
    while !input.isAtEnd {
        let port = input.integer(UInt16.self)
        let control = input.byte()
        let value = input.integer(UInt32.self)
        let width = sizes[Int(control & 7)]
        let isWrite = control & 8 != 0
        let covered = ranges.contains { $0.contains(UInt32(port)) } && [1, 2, 4].contains(width)
        let access = isWrite ? bus.write(port: port, size: width, value: value) : bus.read(port: port, size: width)
        require(access.isHandled == covered, "port \(port) size \(width): handled \(access.isHandled)")
        require(access.value & ~PortAccess.allOnes(size: width) == 0, "value \(access.value) wider than \(width)")
        if isWrite { require(access.value == PortAccess.truncate(value, toSize: width), "write value not truncated") }
        if !covered {
            unhandled += 1
            if firstUnhandled == nil { firstUnhandled = (port, isWrite) }
            if !isWrite { require(access.value == PortAccess.allOnes(size: width), "unhandled read gave \(access.value)") }
        } else if isWrite && (0xF4...0xF7).contains(port) {
            expectedExits.append(PortAccess.truncate(value, toSize: width))
        } else if isWrite && port == TestDataChannel.defaultPort {
            doorbells += 1
        }
    }
    require(bus.unhandledAccesses == unhandled, "unhandled counter \(bus.unhandledAccesses), expected \(unhandled)")
    require(bus.firstUnhandled?.port == firstUnhandled?.port && bus.firstUnhandled?.isWrite == firstUnhandled?.isWrite,
            "first unhandled access misrecorded")
    require(exits.withLock { $0 } == expectedExits, "debug-exit values differ")
    let stats = channel.statistics
    require(stats.sendsAccepted + stats.sendsRejected == doorbells, "testdev counted other than the doorbells")
    require(capture.bytes.count <= capture.limit, "capture over its limit")
    return 0
}
