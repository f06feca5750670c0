// fuzz-testdev: the test data channel against a 64 KiB guest whose RAM the input fills.
//
// Input: a little-endian u16 n, then n bytes copied to guest address 0 (the descriptors and buffers),
// then doorbell steps of 5 bytes: a control byte and a u32. Control bits 0-1 pick the access size
// (4, 4, 1, 2), bits 2-4 the port offset (0 = the doorbell), bit 5 a read instead of a write, bit 6
// keeps the u32 whole instead of folding it into RAM (value mod 64 KiB), so most doorbells name a
// descriptor that exists.
//
// Invariants: every doorbell is counted once, accepted or rejected; accepted bytes equal the bytes the
// sinks received and equal guest memory at the descriptor's buffer; the status written back matches
// the outcome; nothing in guest memory changes except status words; the ID registers read as documented.
import Devices
import FuzzSupport
import GuestMemory

private let ramSize = 64 << 10
private let sizes = [4, 4, 1, 2]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let memory = try! GuestMemory(ranges: [GuestRange(start: GuestAddress(0), size: UInt64(ramSize))!])
    var shadow = [UInt8](repeating: 0, count: ramSize)
    let image = input.bytes(upTo: Int(input.integer(UInt16.self)))
    try! memory.write(image, at: GuestAddress(0))
    shadow.replaceSubrange(0..<image.count, with: image)

    let console = RecordingSink(), stream = RecordingSink()
    let channel = TestDataChannel(memory: memory, console: console, data: stream)
    var doorbells: UInt64 = 0
    while !input.isAtEnd {
        let control = input.byte()
        let raw = input.integer(UInt32.self)
        let width = sizes[Int(control & 3)]
        let offset = UInt16(control >> 2 & 7)
        let value = control & 0x40 != 0 ? raw : raw % UInt32(ramSize)
        if control & 0x20 != 0 {
            let read = channel.read(offset: offset, size: width)
            switch (offset, width) {
            case (0, 4): require(read == TestDataChannel.probeValue, "probe read \(read)")
            case (4, 4): require(read == TestDataChannel.interfaceVersion, "version read \(read)")
            default: require(read == PortAccess.allOnes(size: width), "read of \(offset)/\(width) gave \(read)")
            }
            continue
        }
        let before = channel.statistics
        let delivered = (console.writes, stream.writes)
        channel.write(offset: offset, size: width, value: value)
        let after = channel.statistics
        guard offset == 0 else {
            require(after == before, "a write to offset \(offset) changed the statistics")
            continue
        }
        doorbells += 1
        require(after.sendsAccepted + after.sendsRejected == doorbells, "doorbell not counted exactly once")
        let address = Int(value)
        let descriptorInRAM = width == 4 && address + TestDataDescriptor.size <= ramSize
        let descriptor = descriptorInRAM ? TestDataDescriptor(bytes: Array(shadow[address..<(address + 32)])) : nil
        if after.sendsAccepted > before.sendsAccepted {
            guard let descriptor else { return fail("accepted a doorbell without a descriptor in RAM") }
            let sink = descriptor.stream == TestDataStream.console.rawValue ? console : stream
            let buffer = Int(descriptor.buffer)
            require(sink.last == Array(shadow[buffer..<(buffer + Int(descriptor.length))]), "delivered bytes differ from guest memory")
            require(after.bytesAccepted - before.bytesAccepted == UInt64(descriptor.length), "bytesAccepted off")
        } else {
            require((console.writes, stream.writes) == delivered, "a rejected send delivered bytes")
            require(after.lastRejection != nil, "rejection not recorded")
        }
        // The status word is the only thing the host may write, and only for a descriptor in RAM.
        if let descriptor {
            let status = try! memory.read(UInt32.self, at: GuestAddress(UInt64(address) + TestDataDescriptor.statusOffset))
            let expected = after.sendsAccepted > before.sendsAccepted ? TestDataStatus.accepted : after.lastRejection?.status
            require(status == expected?.rawValue, "status \(status) for \(String(describing: after.lastRejection)) (\(descriptor))")
            let at = address + Int(TestDataDescriptor.statusOffset)
            for index in 0..<4 { shadow[at + index] = UInt8(truncatingIfNeeded: status >> (8 * index)) }
        } else {
            require(after.lastRejection == .descriptorOutsideRAM(address: UInt64(value))
                    || after.lastRejection == .doorbellNotThirtyTwoBits(size: width), "wrong rejection \(String(describing: after.lastRejection))")
        }
        require(!(after.lastRejection?.description.isEmpty ?? false), "empty rejection message")
    }
    require(console.total + stream.total == channel.statistics.bytesAccepted, "sinks received other than bytesAccepted")
    require(try! memory.read(at: GuestAddress(0), count: ramSize) == shadow, "guest memory changed outside status words")
    return 0
}

private func fail(_ message: String) -> CInt {
    require(false, message)
    return 0
}
