import GuestMemory
import Testing
@testable import Devices

@Suite struct TestDataChannelTests {
    static let ramSize: UInt64 = 2 << 20
    let memory: GuestMemory
    let console = CaptureSink(limit: 1 << 20)
    let data = CaptureSink(limit: 2 << 20)
    let channel: TestDataChannel

    let descriptorAddress = GuestAddress(0x1000)
    let bufferAddress = GuestAddress(0x2000)

    init() throws {
        memory = try GuestMemory(ranges: [GuestRange(start: GuestAddress(0), size: Self.ramSize)!])
        channel = TestDataChannel(memory: memory, console: console, data: data)
    }

    /// Writes `descriptor` at `descriptorAddress`, rings the doorbell, and returns the status written back.
    func send(_ descriptor: TestDataDescriptor) throws -> UInt32 {
        try memory.write(descriptor.bytes, at: descriptorAddress)
        channel.write(offset: 0, size: 4, value: UInt32(descriptorAddress.rawValue))
        return try memory.read(UInt32.self, at: GuestAddress(descriptorAddress.rawValue + 12))
    }

    func text(_ string: String, stream: UInt16 = 0) throws -> TestDataDescriptor {
        try memory.write(Array(string.utf8), at: bufferAddress)
        return TestDataDescriptor(stream: stream, length: UInt32(string.utf8.count), buffer: bufferAddress.rawValue)
    }

    @Test func probeAndVersionRegisters() {
        #expect(channel.read(offset: 0, size: 4) == 0x4454_5653)
        #expect(channel.read(offset: 4, size: 4) == 1)
        #expect(channel.read(offset: 0, size: 1) == 0xFF)
        #expect(channel.read(offset: 2, size: 2) == 0xFFFF)
        #expect(channel.read(offset: 8 - 4, size: 2) == 0xFFFF)
    }

    @Test func descriptorDecodesTheContractLayout() {
        let descriptor = TestDataDescriptor(stream: 1, length: 0x10, status: 0, buffer: 0x1122_3344_5566_7788)
        let bytes = descriptor.bytes
        #expect(bytes.count == 32)
        #expect(Array(bytes[0..<4]) == [0x53, 0x56, 0x44, 0x43])   // "SVDC"
        #expect(Array(bytes[16..<24]) == [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11])
        #expect(TestDataDescriptor(bytes: bytes) == descriptor)
        #expect(TestDataDescriptor(bytes: Array(bytes.prefix(31))) == nil)
    }

    @Test func consoleSendReachesTheConsoleSinkAndIsAccepted() throws {
        #expect(try send(text("TCK:1 BEGIN x\n")) == 1)
        #expect(console.text == "TCK:1 BEGIN x\n")
        #expect(data.bytes.isEmpty)
        #expect(channel.statistics.sendsAccepted == 1)
        #expect(channel.statistics.bytesAccepted == 14)
        #expect(channel.statistics.sendsRejected == 0)
    }

    @Test func dataSendReachesTheDataSink() throws {
        #expect(try send(text("record", stream: 1)) == 1)
        #expect(data.text == "record")
        #expect(console.bytes.isEmpty)
    }

    @Test func reservedIsIgnoredAndAMaximalSendIsAccepted() throws {
        var descriptor = TestDataDescriptor(stream: 1, length: 1 << 20, buffer: 0x10_0000)
        descriptor.reserved = 0xFFFF_FFFF_FFFF_FFFF
        #expect(try send(descriptor) == 1)
        #expect(data.bytes.count == 1 << 20)
    }

    @Test func badMagicOrVersionIsStatus2() throws {
        var descriptor = try text("x")
        descriptor.magic = 0x1234_5678
        #expect(try send(descriptor) == 2)
        #expect(channel.statistics.lastRejection == .badMagic(0x1234_5678))
        descriptor.magic = TestDataDescriptor.magic
        descriptor.version = 2
        #expect(try send(descriptor) == 2)
        #expect(channel.statistics.lastRejection == .badVersion(2))
        #expect(console.bytes.isEmpty)
        #expect(channel.statistics.sendsRejected == 2)
    }

    @Test func lengthOverTheLimitIsStatus3() throws {
        let descriptor = TestDataDescriptor(stream: 0, length: (1 << 20) + 1, buffer: 0x10_0000)
        #expect(try send(descriptor) == 3)
        #expect(channel.statistics.lastRejection == .lengthOverLimit((1 << 20) + 1))
    }

    @Test(arguments: [UInt64(8 << 20), ramSize - 4, UInt64.max - 2])
    func bufferOutsideOrStraddlingRAMIsStatus4(buffer: UInt64) throws {
        let descriptor = TestDataDescriptor(stream: 0, length: 16, buffer: buffer)
        #expect(try send(descriptor) == 4)
        #expect(channel.statistics.lastRejection == .bufferOutsideRAM(address: buffer, length: 16))
        #expect(console.bytes.isEmpty)
    }

    @Test func unknownStreamIsStatus5() throws {
        #expect(try send(text("x", stream: 7)) == 5)
        #expect(channel.statistics.lastRejection == .unknownStream(7))
        #expect(console.bytes.isEmpty && data.bytes.isEmpty)
    }

    @Test(arguments: [UInt32(0xFFFF_FFF0), UInt32(ramSize - 16)])
    func descriptorOutsideRAMIsCountedWithoutWritingAnything(address: UInt32) throws {
        channel.write(offset: 0, size: 4, value: address)
        #expect(channel.statistics.sendsRejected == 1)
        #expect(channel.statistics.lastRejection == .descriptorOutsideRAM(address: UInt64(address)))
        #expect(channel.statistics.lastRejection?.description.contains("0x") == true)
    }

    @Test func narrowDoorbellWritesAreRejectedAndOtherOffsetsIgnored() throws {
        try memory.write(try text("x").bytes, at: descriptorAddress)
        channel.write(offset: 0, size: 2, value: UInt32(descriptorAddress.rawValue))
        channel.write(offset: 4, size: 4, value: UInt32(descriptorAddress.rawValue))
        #expect(console.bytes.isEmpty)
        #expect(channel.statistics.sendsRejected == 1)
        #expect(channel.statistics.lastRejection == .doorbellNotThirtyTwoBits(size: 2))
    }

    @Test func worksThroughTheBusAtItsContractPort() throws {
        let bus = IOBus()
        try bus.register(channel, base: TestDataChannel.defaultPort, length: TestDataChannel.portCount, name: "testdev")
        #expect(bus.read(port: 0xEC0, size: 4) == .handled(0x4454_5653))
        try memory.write(try text("ok").bytes, at: descriptorAddress)
        _ = bus.write(port: 0xEC0, size: 4, value: UInt32(descriptorAddress.rawValue))
        #expect(console.text == "ok")
    }
}
