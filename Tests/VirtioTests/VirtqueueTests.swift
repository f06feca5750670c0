import GuestMemory
import Testing
import TestSupport
@testable import Virtio

/// The virtqueue pieces on their own, and a seeded storm of random rings.
@Suite struct VirtqueueTests {
    typealias D = VirtqueueDescriptor

    @Test func descriptorRoundTripsThroughItsBytes() {
        let descriptor = D(address: 0x1122_3344_5566_7788, length: 0x99AA_BBCC, flags: 7, next: 0xDDEE)
        #expect(descriptor.bytes.count == 16)
        #expect(D(bytes: descriptor.bytes, at: 0) == descriptor)
        #expect(descriptor.bytes[0] == 0x88 && descriptor.bytes[15] == 0xDD)
    }

    @Test func chainSpansCrossDescriptorBoundaries() throws {
        let memory = try GuestMemory(ranges: [GuestRange(start: GuestAddress(0), size: 1 << 16)!])
        let buffers = [GuestBuffer(address: GuestAddress(0x100), length: 4, location: DescriptorLocation(index: 0)),
                       GuestBuffer(address: GuestAddress(0x200), length: 8, location: DescriptorLocation(index: 1)),
                       GuestBuffer(address: GuestAddress(0x300), length: 0, location: DescriptorLocation(index: 2)),
                       GuestBuffer(address: GuestAddress(0x400), length: 4, location: DescriptorLocation(index: 3))]
        let chain = DescriptorChain(queue: 0, head: 0, readable: [], writable: buffers)
        #expect(chain.writableLength == 16)
        let spans = try chain.spans(of: .writable, offset: 2, length: 12, purpose: "test")
        #expect(spans.map(\.address.rawValue) == [0x102, 0x200, 0x400])
        #expect(spans.map(\.length) == [2, 8, 2])
        try chain.write([UInt8](1...16)[...], offset: 0, memory: memory, purpose: "test")
        #expect(try memory.read(at: GuestAddress(0x200), count: 8) == [5, 6, 7, 8, 9, 10, 11, 12])
        #expect(try memory.read(at: GuestAddress(0x400), count: 4) == [13, 14, 15, 16])
        #expect(chain.location(of: .writable, at: 12) == DescriptorLocation(index: 3))
        #expect(chain.location(of: .writable, at: 16) == nil)
        #expect(throws: VirtqueueError.missingBuffer(queue: 0, head: 0, purpose: "test", needed: 17, available: 16)) {
            try chain.spans(of: .writable, offset: 1, length: 16, purpose: "test")
        }
        #expect(throws: VirtqueueError.missingBuffer(queue: 0, head: 0, purpose: "test", needed: 1, available: 0)) {
            try chain.read(offset: 0, count: 1, memory: memory, purpose: "test")
        }
    }

    @Test func disabledQueueYieldsNothing() throws {
        let memory = try GuestMemory(ranges: [GuestRange(start: GuestAddress(0), size: 1 << 16)!])
        var queue = Virtqueue(index: 0, maxSize: 8)
        queue.size = 0
        #expect(try queue.popAvailable(features: [], memory: memory) == nil)
        #expect(throws: VirtqueueError.self) { try queue.pushUsed(head: 0, length: 0, memory: memory) }
    }

    /// Random descriptor tables, avail rings and indices: the device must either serve them or refuse
    /// with NEEDS_RESET, and never trap or spin. Seeded, so a failure reproduces.
    @Test func randomRingsNeverCrashOrHang() throws {
        var random = SplitMix64(seed: 0x5EED_0F_7163)
        var outcomes = (served: 0, refused: 0)
        for _ in 0..<400 {
            let driver = try GuestDriver()
            #expect(driver.initialize(queueSize: 8))
            for index in 0..<UInt16(8) {
                let flags = UInt16(random.next() % 8)
                // Mostly small addresses in RAM, sometimes anywhere.
                let address = random.next() % 4 == 0 ? random.next() : 0x40000 + random.next() % 0x1000
                let length = random.next() % 4 == 0 ? UInt32(truncatingIfNeeded: random.next()) : UInt32(random.next() % 1100)
                driver.put(D(address: address, length: length, flags: flags, next: UInt16(random.next() % 10)), at: index)
                try driver.memory.write(UInt16(random.next() % 10), at: GuestAddress(GuestDriver.availRing + 4 + 2 * UInt64(index)))
            }
            // Some indirect tables, sometimes made of plausible descriptors.
            for slot in 0..<4 {
                let table = 0x40000 + UInt64(slot) * 0x100
                for entry in 0..<UInt64(16) {
                    let descriptor = D(address: 0x40000 + random.next() % 0x1000, length: UInt32(random.next() % 600),
                                       flags: UInt16(random.next() % 8), next: UInt16(random.next() % 18))
                    try driver.memory.write(descriptor.bytes, at: GuestAddress(table + entry * 16))
                }
            }
            try driver.memory.write(GuestDriver.header(type: UInt32(random.next() % 10), sector: random.next() % 80),
                                    at: GuestAddress(0x40000 + (random.next() % 0x10) * 0x100))
            driver.setAvailIndex(UInt16(truncatingIfNeeded: random.next() % 12))
            driver.kick()
            if driver.status.contains(.needsReset) {
                outcomes.refused += 1
                #expect(driver.transport.needsResetReason != nil)
            } else {
                outcomes.served += 1
            }
        }
        #expect(outcomes.served > 0 && outcomes.refused > 0)
    }
}
