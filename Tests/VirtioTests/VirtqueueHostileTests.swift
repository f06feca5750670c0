import GuestMemory
import Testing
@testable import Virtio

/// One test per way a hostile driver can break a ring or a request: each must end in DEVICE_NEEDS_RESET
/// with a reason naming the field and value, complete nothing, and leave the disk alone.
@Suite struct VirtqueueHostileTests {
    typealias D = VirtqueueDescriptor
    static let write = VirtqueueDescriptor.writeFlag, next = VirtqueueDescriptor.nextFlag
    static let indirect = VirtqueueDescriptor.indirectFlag

    /// A driver with queue 0 of 8 entries set up, plus a header, a 512-byte buffer and a status byte.
    struct Setup {
        let driver: GuestDriver
        let disk: MemoryDisk
        let header: UInt64, data: UInt64, status: UInt64

        init(accept: VirtioFeatures? = nil, type: UInt32 = 0) throws {
            disk = MemoryDisk(sectors: 8)
            driver = try GuestDriver(backend: disk)
            #expect(driver.initialize(accept: accept, queueSize: 8))
            header = driver.alloc(16); data = driver.alloc(512); status = driver.alloc(1)
            try driver.memory.write(GuestDriver.header(type: type, sector: 0), at: GuestAddress(header))
        }

        /// Puts `descriptors` at indices 0, 1, … exactly as given, makes head `head` available and kicks.
        func submit(_ descriptors: [D], head: UInt16 = 0) {
            for (index, descriptor) in descriptors.enumerated() { driver.put(descriptor, at: UInt16(index)) }
            driver.makeAvailable(head)
            driver.kick()
        }

        func table(_ descriptors: [D]) -> UInt64 {
            let address = driver.alloc(UInt64(descriptors.count) * 16)
            for (index, descriptor) in descriptors.enumerated() { driver.put(descriptor, at: UInt16(index), table: address) }
            return address
        }

        func expectNeedsReset(_ expected: VirtqueueError, mentioning words: [String],
                              sourceLocation: SourceLocation = #_sourceLocation) {
            let reason = driver.transport.needsResetReason
            #expect(driver.status.contains(.needsReset), sourceLocation: sourceLocation)
            #expect(driver.common(0x14, 1) & 0x40 != 0, sourceLocation: sourceLocation)
            #expect(reason == expected, sourceLocation: sourceLocation)
            for word in words {
                #expect(reason?.description.contains(word) == true, "\(reason?.description ?? "nil") lacks \(word)",
                        sourceLocation: sourceLocation)
            }
            #expect(driver.usedIndex == 0, sourceLocation: sourceLocation)
            #expect(disk.contents == MemoryDisk(sectors: 8).contents, sourceLocation: sourceLocation)
        }
    }

    @Test func loopInNextFields() throws {
        let s = try Setup()
        s.submit([D(address: s.header, length: 16, flags: Self.next, next: 1),
                  D(address: s.data, length: 512, flags: Self.next | Self.write, next: 2),
                  D(address: s.status, length: 1, flags: Self.next | Self.write, next: 1)])
        s.expectNeedsReset(.chainTooLong(queue: 0, head: 0, limit: 8), mentioning: ["head 0", "more than 8 descriptors"])
    }

    @Test func descriptorThatIsItsOwnNext() throws {
        let s = try Setup()
        s.submit([D(address: s.header, length: 16, flags: Self.next, next: 0)])
        s.expectNeedsReset(.chainTooLong(queue: 0, head: 0, limit: 8), mentioning: ["its next fields loop"])
    }

    @Test func chainLongerThanItsIndirectTable() throws {
        let s = try Setup()
        let table = s.table([D(address: s.header, length: 16, flags: Self.next, next: 1),
                             D(address: s.data, length: 512, flags: Self.next | Self.write, next: 2),
                             D(address: s.status, length: 1, flags: Self.next | Self.write, next: 1)])
        s.submit([D(address: table, length: 48, flags: Self.indirect)])
        s.expectNeedsReset(.chainTooLong(queue: 0, head: 0, limit: 3), mentioning: ["more than 3 descriptors"])
    }

    @Test func indirectTableInsideAnIndirectTable() throws {
        let s = try Setup()
        let inner = s.table([D(address: s.header, length: 16)])
        let outer = s.table([D(address: inner, length: 16, flags: Self.indirect)])
        s.submit([D(address: outer, length: 16, flags: Self.indirect)])
        s.expectNeedsReset(.nestedIndirect(queue: 0, at: DescriptorLocation(index: 0, indirectEntry: 0)),
                           mentioning: ["entry 0 of the indirect table of descriptor 0", "VIRTQ_DESC_F_INDIRECT"])
    }

    @Test func zeroLengthIndirectTable() throws {
        let s = try Setup()
        s.submit([D(address: s.data, length: 0, flags: Self.indirect)])
        s.expectNeedsReset(.badIndirectLength(queue: 0, at: DescriptorLocation(index: 0), length: 0),
                           mentioning: ["descriptor 0", "len = 0"])
    }

    @Test func indirectTableOfPartialDescriptors() throws {
        let s = try Setup()
        s.submit([D(address: s.data, length: 24, flags: Self.indirect)])
        s.expectNeedsReset(.badIndirectLength(queue: 0, at: DescriptorLocation(index: 0), length: 24), mentioning: ["len = 24"])
    }

    @Test func indirectWithoutTheFeature() throws {
        let s = try Setup(accept: [.version1])
        let table = s.table([D(address: s.header, length: 16)])
        s.submit([D(address: table, length: 16, flags: Self.indirect)])
        s.expectNeedsReset(.indirectNotNegotiated(queue: 0, at: DescriptorLocation(index: 0)),
                           mentioning: ["VIRTIO_F_INDIRECT_DESC"])
    }

    @Test func indirectTogetherWithNext() throws {
        let s = try Setup()
        let table = s.table([D(address: s.header, length: 16)])
        s.submit([D(address: table, length: 16, flags: Self.indirect | Self.next, next: 1),
                  D(address: s.status, length: 1, flags: Self.write)])
        s.expectNeedsReset(.indirectWithNext(queue: 0, at: DescriptorLocation(index: 0)), mentioning: ["VIRTQ_DESC_F_NEXT"])
    }

    @Test func bufferBeyondTheEndOfRAM() throws {
        let s = try Setup()
        s.submit([D(address: s.header, length: 16, flags: Self.next, next: 1),
                  D(address: GuestDriver.ramSize - 256, length: 512, flags: Self.write | Self.next, next: 2),
                  D(address: s.status, length: 1, flags: Self.write)])
        s.expectNeedsReset(.bufferOutsideRAM(queue: 0, at: DescriptorLocation(index: 1), address: GuestDriver.ramSize - 256,
                                             length: 512),
                           mentioning: ["descriptor 1", "addr = 0x1fff00", "len = 0x200", "outside guest RAM"])
    }

    @Test func bufferAcrossAHoleInRAM() throws {
        let memory = try GuestMemory(ranges: [GuestRange(start: GuestAddress(0), size: 1 << 20)!,
                                              GuestRange(start: GuestAddress(2 << 20), size: 1 << 20)!])
        let driver = try GuestDriver(memory: memory)
        #expect(driver.initialize(queueSize: 8))
        let header = driver.alloc(16)
        let head = driver.chain([D(address: header, length: 16), D(address: (1 << 20) - 8, length: 16, flags: Self.write)])
        driver.makeAvailable(head)
        driver.kick()
        #expect(driver.transport.needsResetReason == .bufferOutsideRAM(queue: 0, at: DescriptorLocation(index: 1),
                                                                       address: (1 << 20) - 8, length: 16))
    }

    @Test func lengthThatWrapsTheAddressSpace() throws {
        let s = try Setup()
        s.submit([D(address: s.header, length: 16, flags: Self.next, next: 1),
                  D(address: 0xFFFF_FFFF_FFFF_FF00, length: 0x1000, flags: Self.write)])
        s.expectNeedsReset(.bufferWraps(queue: 0, at: DescriptorLocation(index: 1), address: 0xFFFF_FFFF_FFFF_FF00, length: 0x1000),
                           mentioning: ["addr = 0xffffffffffffff00", "len = 0x1000", "wrap"])
    }

    @Test func indirectTableOutsideRAM() throws {
        let s = try Setup()
        s.submit([D(address: 0x4000_0000, length: 64, flags: Self.indirect)])
        s.expectNeedsReset(.bufferOutsideRAM(queue: 0, at: DescriptorLocation(index: 0), address: 0x4000_0000, length: 64),
                           mentioning: ["addr = 0x40000000"])
    }

    @Test func writableTotalThatUsedLenCannotReport() throws {
        let s = try Setup()
        // 2049 device-writable views of all 2 MiB of RAM: 4 GiB + 2 MiB, without leaving RAM once.
        let entries = 2049
        var descriptors = [D(address: s.header, length: 16, flags: Self.next, next: 1)]
        for index in 1...entries {
            descriptors.append(D(address: 0, length: UInt32(GuestDriver.ramSize), flags: Self.write | (index < entries ? Self.next : 0),
                                 next: UInt16(index + 1)))
        }
        let table = s.table(descriptors)
        s.submit([D(address: table, length: UInt32(descriptors.count * 16), flags: Self.indirect)])
        // Refused as soon as the total passes 2^32 − 1, at the 2048th view.
        s.expectNeedsReset(.writableTooLong(queue: 0, head: 0, total: 2048 * GuestDriver.ramSize),
                           mentioning: ["4294967296 device-writable bytes"])
    }

    @Test func readDataInADeviceReadableBuffer() throws {
        let s = try Setup(type: 0)                                       // IN: the device must write the data
        s.submit([D(address: s.header, length: 16, flags: Self.next, next: 1),
                  D(address: s.data, length: 512, flags: Self.next, next: 2),
                  D(address: s.status, length: 1, flags: Self.write)])
        s.expectNeedsReset(.writeIntoReadableBuffer(queue: 0, at: DescriptorLocation(index: 1), purpose: "VIRTIO_BLK_T_IN data"),
                           mentioning: ["descriptor 1", "VIRTIO_BLK_T_IN data", "device-readable"])
    }

    @Test func statusByteInADeviceReadableBuffer() throws {
        let s = try Setup(type: 4)
        s.submit([D(address: s.header, length: 16, flags: Self.next, next: 1), D(address: s.status, length: 1)])
        s.expectNeedsReset(.writeIntoReadableBuffer(queue: 0, at: DescriptorLocation(index: 1),
                                                    purpose: "VIRTIO_BLK_T_FLUSH status byte"),
                           mentioning: ["status byte", "device-readable"])
    }

    @Test func writeDataInADeviceWritableBuffer() throws {
        let s = try Setup(type: 1)                                       // OUT: the device must read the data
        s.submit([D(address: s.header, length: 16, flags: Self.next, next: 1),
                  D(address: s.data, length: 512, flags: Self.next | Self.write, next: 2),
                  D(address: s.status, length: 1, flags: Self.write)])
        s.expectNeedsReset(.readFromWritableBuffer(queue: 0, at: DescriptorLocation(index: 1), purpose: "VIRTIO_BLK_T_OUT data"),
                           mentioning: ["descriptor 1", "device-writable"])
    }

    @Test func availIndexJumpingPastTheQueueSize() throws {
        let s = try Setup()
        s.driver.setAvailIndex(9)
        s.driver.kick()
        s.expectNeedsReset(.availIndexJump(queue: 0, lastSeen: 0, availIndex: 9, size: 8),
                           mentioning: ["avail->idx moved from 0 to 9", "8-entry queue"])
    }

    @Test func headPastTheDescriptorTable() throws {
        let s = try Setup()
        s.driver.makeAvailable(8)
        s.driver.kick()
        s.expectNeedsReset(.headOutOfRange(queue: 0, slot: 0, head: 8, size: 8), mentioning: ["avail->ring[0] = 8"])
    }

    @Test func nextPastTheDescriptorTable() throws {
        let s = try Setup()
        s.submit([D(address: s.header, length: 16, flags: Self.next, next: 200)])
        s.expectNeedsReset(.nextOutOfRange(queue: 0, at: DescriptorLocation(index: 0), next: 200, tableSize: 8),
                           mentioning: ["next = 200"])
    }

    @Test func readableBufferAfterAWritableOne() throws {
        let s = try Setup()
        s.submit([D(address: s.header, length: 16, flags: Self.next, next: 1),
                  D(address: s.data, length: 512, flags: Self.next | Self.write, next: 2),
                  D(address: s.status, length: 1)])
        s.expectNeedsReset(.readableAfterWritable(queue: 0, at: DescriptorLocation(index: 2)), mentioning: ["descriptor 2"])
    }

    @Test func headerShorterThanSixteenBytes() throws {
        let s = try Setup()
        s.submit([D(address: s.header, length: 8, flags: Self.next, next: 1), D(address: s.status, length: 1, flags: Self.write)])
        s.expectNeedsReset(.missingBuffer(queue: 0, head: 0, purpose: "virtio-blk request header", needed: 16, available: 8),
                           mentioning: ["8 bytes for the virtio-blk request header, which needs 16"])
    }

    @Test func badQueueSetUpIsRefusedAtQueueEnable() throws {
        for (size, desc, used, expected) in [
            (UInt16(6), UInt64(0x10000), UInt64(0x12000), VirtqueueError.invalidQueueSize(queue: 0, size: 6, maximum: 256)),
            (8, 0x10008, 0x12000, .ringMisaligned(queue: 0, part: .descriptorTable, address: 0x10008, alignment: 16)),
            (8, 0x10000, GuestDriver.ramSize - 8, .ringOutsideRAM(queue: 0, part: .usedRing, address: GuestDriver.ramSize - 8, length: 70)),
        ] {
            let driver = try GuestDriver()
            driver.setStatus([.acknowledge, .driver])
            driver.writeDriverFeatures(driver.offeredFeatures)
            driver.setStatus([.acknowledge, .driver, .featuresOK])
            driver.setCommon(0x18, 2, UInt64(size))
            driver.setCommon(0x20, 8, desc)
            driver.setCommon(0x28, 8, GuestDriver.availRing)
            driver.setCommon(0x30, 8, used)
            driver.setCommon(0x1C, 2, 1)
            #expect(driver.common(0x1C, 2) == 0)
            #expect(driver.status.contains(.needsReset))
            #expect(driver.transport.needsResetReason == expected)
        }
    }

    @Test func brokenDeviceServesNothingUntilReset() throws {
        let s = try Setup()
        s.driver.setAvailIndex(100)
        s.driver.kick()
        #expect(s.driver.status.contains(.needsReset))
        s.driver.setAvailIndex(1)
        s.driver.kick()
        #expect(s.driver.usedIndex == 0)
        s.driver.setStatus([.acknowledge, .driver, .featuresOK, .driverOK, .needsReset])
        #expect(s.driver.status.contains(.needsReset))                  // the driver cannot clear it
        #expect(s.driver.initialize(queueSize: 8))                       // a reset can
        #expect(s.driver.transport.needsResetReason == nil)
        let request = s.driver.blockRequest(type: 0, dataLength: 512)
        #expect(s.driver.statusByte(request) == 0 && s.driver.usedIndex == 1)
    }

    @Test func firstReasonIsKeptAndCompletedRequestsAreSignalled() throws {
        let s = try Setup()
        s.driver.blockRequest(type: 0, dataLength: 512, kick: false)   // a good request first
        s.driver.makeAvailable(8)                                        // then a bad head
        s.driver.kick()
        #expect(s.driver.usedIndex == 1)
        #expect(s.driver.transport.needsResetReason == .headOutOfRange(queue: 0, slot: 1, head: 8, size: 8))
        #expect(s.driver.readISR() == 3)                                 // queue and configuration interrupts
    }
}
