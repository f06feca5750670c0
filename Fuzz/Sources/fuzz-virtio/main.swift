// fuzz-virtio: a virtio-blk disk behind the modern virtio-pci transport, driven the way swiftvm drives it
// (BAR registers, then notify → descriptor walk → request → used ring → interrupt), over a guest whose RAM
// the input fills: rings, descriptor tables, indirect tables and buffers are all the fuzzer's.
//
// Guest RAM: [0, 0xC000) and [0xD000, 0x11000), a one-page hole between. The disk: 64 sectors in memory,
// sector N's bytes (N + i) & 0xFF; read-only when the set-up says so.
//
// Input:
//   byte     set-up: bit 0 accept VIRTIO_F_INDIRECT_DESC, bit 1 VIRTIO_F_EVENT_IDX, bit 2 read-only disk,
//            bit 3 MSI-X on (config vector 0, queue vector 1), bit 4 also accept a feature the device does
//            not offer (FEATURES_OK must not stick; nothing is served)
//   u16      queue_size as written to the register (any value; the device maximum is 64)
//   u32 × 3  queue_desc, queue_driver, queue_device (any value: misaligned or outside RAM too)
//   u16 n, then n bytes: RAM from address 0 (up to 0xC000)
//   steps (at most 64), each an op byte and its operands; what = (op & 7) % 5:
//     0  kick: op bits 3-4 the queue index (1-3 do not exist); bit 5 through the notify register in the
//        BAR instead of notify(queue:)
//     1  the driver writes RAM: u16 address, u16 value (e.g. avail->idx, a ring entry, a next field)
//     2  the driver makes buffers available: u8 count added to avail->idx
//     3  device reset and the same initialisation again
//     4  a BAR access: u16 offset (mod 32 KiB), op bits 3-4 the size (1, 2, 4, 8), bit 5 a write of the
//        next u32
//
// Invariants, beyond "does not crash":
// - a kick changes guest RAM only inside buffers some descriptor marks device-writable (in the queue's
//   table or a first-level indirect table) and the used ring — checked whenever those do not overlap
//   what the device reads (tables, avail ring), where a request could legitimately rewrite the next one;
// - with DEVICE_NEEDS_RESET set, or the queue not enabled, a kick changes nothing at all;
// - NEEDS_RESET is set exactly when a reason is recorded, and the reason describes itself;
// - one kick publishes at most queue-size used elements, each naming a head inside the table;
// - a read-only disk never changes; MSI-X vectors signalled exist;
// - a reset leaves status 0 and the queue disabled.
import BlockBackends
import Devices
import FuzzSupport
import GuestMemory
import Synchronization
import Virtio
#if canImport(Glibc)
import Glibc
#endif

private let lowRAM = 0xC000, highStart = 0xD000, window = 0x11000
private let memory = try! GuestMemory(ranges: [GuestRange(start: GuestAddress(0), size: UInt64(lowRAM))!,
                                               GuestRange(start: GuestAddress(UInt64(highStart)),
                                                          size: UInt64(window - highStart))!])
private let sectors = 64
private let maxQueue: UInt16 = 64

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let setup = Setup(byte: input.byte(), queueSize: input.integer(UInt16.self), desc: input.integer(UInt32.self),
                      avail: input.integer(UInt32.self), used: input.integer(UInt32.self))
    try! memory.fill(0, at: GuestAddress(0), count: UInt64(lowRAM))
    try! memory.fill(0, at: GuestAddress(UInt64(highStart)), count: UInt64(window - highStart))
    try! memory.write(input.bytes(upTo: min(Int(input.integer(UInt16.self)), lowRAM)), at: GuestAddress(0))

    let disk = FuzzDisk(sectors: sectors, readOnly: setup.readOnly)
    let interrupt = CountingInterrupt()
    var transport = VirtioPCITransport(device: VirtioBlockDevice(backend: disk, serial: "fuzz", queueSize: maxQueue),
                                       memory: memory, interrupt: interrupt)
    setup.initialise(&transport)
    var steps = 0
    while !input.isAtEnd && steps < 64 {
        steps += 1
        let op = input.byte()
        switch (op & 7) % 5 {
        case 0:
            kick(&transport, queue: UInt16(op >> 3 & 3), throughBAR: op & 0x20 != 0, setup: setup)
        case 1:
            let address = UInt64(input.integer(UInt16.self)), value = input.integer(UInt16.self)
            if memory.contains(GuestAddress(address), length: 2) { try! memory.write(value, at: GuestAddress(address)) }
        case 2:
            let count = UInt16(input.byte())
            let index = UInt64(setup.avail) &+ 2
            if memory.contains(GuestAddress(index), length: 2) {
                let old = try! memory.read(UInt16.self, at: GuestAddress(index))
                try! memory.write(old &+ count, at: GuestAddress(index))
            }
        case 3:
            transport.write(barOffset: VirtioPCILayout.commonConfigOffset + 0x14, size: 1, value: 0)
            require(transport.deviceStatus.rawValue == 0, "status \(transport.deviceStatus.rawValue) after reset")
            require(transport.queue(0)?.isEnabled == false, "queue 0 still enabled after reset")
            require(transport.needsResetReason == nil, "a reason survived the reset")
            setup.initialise(&transport)
        default:
            let offset = UInt64(input.integer(UInt16.self)) % VirtioPCILayout.barSize
            let width = [1, 2, 4, 8][Int(op >> 3 & 3)]
            if op & 0x20 != 0 {
                transport.write(barOffset: offset, size: width, value: UInt64(input.integer(UInt32.self)))
            } else {
                _ = transport.read(barOffset: offset, size: width)
            }
        }
        let needsReset = transport.deviceStatus.contains(.needsReset)
        require(needsReset == (transport.needsResetReason != nil),
                "NEEDS_RESET \(needsReset) but reason \(String(describing: transport.needsResetReason))")
        require(!(transport.needsResetReason?.description.isEmpty ?? false), "empty NEEDS_RESET reason")
        require(interrupt.badVector == nil, "MSI-X vector \(interrupt.badVector ?? 0) signalled; the table has 2")
        if setup.readOnly { require(disk.isPristine, "a read-only disk changed") }
    }
    return 0
}

/// The driver's choices, and the initialisation of virtio 1.2 §3.1.1 through the common configuration.
private struct Setup {
    let indirect: Bool, eventIndex: Bool, readOnly: Bool, msix: Bool, unofferedFeature: Bool
    let queueSize: UInt16, desc: UInt32, avail: UInt32, used: UInt32

    init(byte: UInt8, queueSize: UInt16, desc: UInt32, avail: UInt32, used: UInt32) {
        indirect = byte & 1 != 0
        eventIndex = byte & 2 != 0
        readOnly = byte & 4 != 0
        msix = byte & 8 != 0
        unofferedFeature = byte & 0x10 != 0
        (self.queueSize, self.desc, self.avail, self.used) = (queueSize, desc, avail, used)
    }

    var accepted: VirtioFeatures {
        var features: VirtioFeatures = [.version1]
        if indirect { features.insert(.indirectDescriptors) }
        if eventIndex { features.insert(.eventIndex) }
        if unofferedFeature { features.insert(.ringPacked) }
        return features
    }

    func initialise(_ transport: inout VirtioPCITransport) {
        func common(_ offset: UInt64, _ size: Int, _ value: UInt64) {
            transport.write(barOffset: VirtioPCILayout.commonConfigOffset + offset, size: size, value: value)
        }
        if msix {
            // MSI-X enable in the capability's message control; both table entries unmasked.
            let control = VirtioPCITransport.msixControlOffset(transport)
            transport.writeConfig(offset: control, size: 2, value: 0x8000)
            for entry in 0..<2 {
                let base = VirtioPCILayout.msixTableOffset + UInt64(entry) * 16
                transport.write(barOffset: base, size: 4, value: 0xFEE0_0000)
                transport.write(barOffset: base + 8, size: 4, value: 0x40 + UInt64(entry))
                transport.write(barOffset: base + 12, size: 4, value: 0)
            }
        }
        common(0x14, 1, 0)
        common(0x14, 1, 1)
        common(0x14, 1, 3)
        for select in 0..<2 as Range<UInt32> {
            common(0x08, 4, UInt64(select))
            common(0x0C, 4, UInt64(accepted.word(select)))
        }
        common(0x14, 1, 0xB)
        let featuresOK = transport.deviceStatus.contains(.featuresOK)
        require(featuresOK == !unofferedFeature, "FEATURES_OK \(featuresOK) for accepted \(accepted)")
        common(0x10, 2, msix ? 0 : 0xFFFF)
        common(0x16, 2, 0)
        common(0x18, 2, UInt64(queueSize))
        common(0x20, 8, UInt64(desc))
        common(0x28, 8, UInt64(avail))
        common(0x30, 8, UInt64(used))
        common(0x1A, 2, msix ? 1 : 0xFFFF)
        common(0x1C, 2, 1)
        common(0x14, 1, 0xF)
    }
}

extension VirtioPCITransport {
    /// Message control of the MSI-X capability, found by walking the capability list as a driver does.
    fileprivate static func msixControlOffset(_ transport: VirtioPCITransport) -> Int {
        var copy = transport
        var pointer = Int(copy.readConfig(offset: 0x34, size: 1))
        for _ in 0..<48 where pointer != 0 {
            if copy.readConfig(offset: pointer, size: 1) == 0x11 { return pointer + 2 }
            pointer = Int(copy.readConfig(offset: pointer + 1, size: 1))
        }
        require(false, "no MSI-X capability")
        return 0
    }
}

/// One kick, and the checks of what it may have changed.
private func kick(_ transport: inout VirtioPCITransport, queue: UInt16, throughBAR: Bool, setup: Setup) {
    let before = snapshot()
    let queueState = transport.queue(Int(queue))
    let served = queueState?.isEnabled == true && transport.deviceStatus.isSuperset(of: [.featuresOK, .driverOK])
        && !transport.deviceStatus.contains(.needsReset)
    let usedBefore = queueState.map { $0.nextUsed } ?? 0
    if throughBAR {
        transport.write(barOffset: VirtioPCILayout.notifyAddressOffset(queue: queue), size: 2, value: UInt64(queue))
    } else {
        transport.notify(queue: queue)
    }
    let after = snapshot()
    guard served, let queueState else {
        let changed = changedAddresses(before, after)
        require(changed.isEmpty, "a kick the device must ignore changed guest RAM at \(changed.prefix(4))")
        return
    }
    let size = Int(queueState.size)
    let published = Int(transport.queue(Int(queue))!.nextUsed &- usedBefore)
    require(published <= size, "one kick published \(published) used elements in a \(size)-entry queue")

    let rings = WritableModel(memory: before, queue: queueState, indirect: transport.negotiatedFeatures.contains(.indirectDescriptors))
    guard !rings.deviceMayRewriteWhatItReads else { return }
    for address in changedAddresses(before, after) where !rings.mayWrite(address) {
        require(false, "a kick wrote guest RAM at 0x\(String(address, radix: 16)) "
                + "(0x\(String(before[address], radix: 16)) → 0x\(String(after[address], radix: 16))), outside every "
                + "device-writable buffer and the used ring")
    }
    for element in 0..<published {
        let at = Int(queueState.usedRing) + 4 + 8 * ((Int(usedBefore) + element) % size)
        let id = (0..<4).reduce(0) { $0 | Int(after[at + $1]) << (8 * $1) }
        require(id < size, "used element \(element) names head \(id) of a \(size)-entry table")
    }
}

/// Guest RAM as one array indexed by address; the hole reads 0.
private func snapshot() -> [UInt8] {
    try! memory.read(at: GuestAddress(0), count: lowRAM)
        + [UInt8](repeating: 0, count: highStart - lowRAM)
        + memory.read(at: GuestAddress(UInt64(highStart)), count: window - highStart)
}

/// The addresses whose byte differs, found a 256-byte block at a time (most blocks are equal).
private func changedAddresses(_ before: [UInt8], _ after: [UInt8]) -> [Int] {
    var changed: [Int] = []
    before.withUnsafeBytes { old in
        after.withUnsafeBytes { new in
            for block in stride(from: 0, to: window, by: 256) where memcmp(old.baseAddress! + block, new.baseAddress! + block, 256) != 0 {
                changed += (block..<block + 256).filter { old[$0] != new[$0] }
            }
        }
    }
    return changed
}

/// Which bytes a kick may write, computed from the rings as they were before it: the used ring, and every
/// buffer a descriptor marks VIRTQ_DESC_F_WRITE, in the queue's table or in an indirect table one of its
/// descriptors names (the device must not follow a second level). What the device reads (the table, the
/// avail ring, indirect tables) is kept apart: when a writable buffer overlaps it, a request may rewrite
/// the next one and this model no longer says what is allowed. Ranges are clipped to the RAM window.
private struct WritableModel {
    var writable: [Range<Int>] = []
    var reads: [Range<Int>] = []

    init(memory: [UInt8], queue: Virtqueue, indirect: Bool) {
        let size = UInt64(queue.size)
        Self.add(&writable, queue.usedRing, 6 + 8 * size)
        Self.add(&reads, queue.descriptorTable, 16 * size)
        Self.add(&reads, queue.availRing, 6 + 2 * size)
        for index in 0..<size {
            guard let descriptor = Self.descriptor(memory, at: queue.descriptorTable &+ 16 * index) else { continue }
            if descriptor.isIndirect {
                guard indirect else { continue }
                Self.add(&reads, descriptor.address, UInt64(descriptor.length))
                for entry in 0..<UInt64(descriptor.length / 16) {
                    guard let inner = Self.descriptor(memory, at: descriptor.address &+ 16 * entry) else { break }
                    if inner.isWriteOnly && !inner.isIndirect { Self.add(&writable, inner.address, UInt64(inner.length)) }
                }
            } else if descriptor.isWriteOnly {
                Self.add(&writable, descriptor.address, UInt64(descriptor.length))
            }
        }
    }

    var deviceMayRewriteWhatItReads: Bool { writable.contains { w in reads.contains { $0.overlaps(w) } } }

    func mayWrite(_ address: Int) -> Bool { writable.contains { $0.contains(address) } }

    private static func add(_ list: inout [Range<Int>], _ start: UInt64, _ length: UInt64) {
        guard start < UInt64(window), length > 0 else { return }
        let end = start.addingReportingOverflow(length)
        let stop = end.overflow ? UInt64(window) : min(end.partialValue, UInt64(window))
        list.append(Int(start)..<Int(stop))
    }

    private static func descriptor(_ memory: [UInt8], at address: UInt64) -> VirtqueueDescriptor? {
        guard address <= UInt64(window - 16) else { return nil }
        let at = Int(address)
        func field(_ offset: Int, _ width: Int) -> UInt64 {
            (0..<width).reduce(0) { $0 | UInt64(memory[at + offset + $1]) << (8 * UInt64($1)) }
        }
        return VirtqueueDescriptor(address: field(0, 8), length: UInt32(field(8, 4)), flags: UInt16(field(12, 2)),
                                   next: UInt16(field(14, 2)))
    }
}

/// A disk in memory: sector N's byte i is (N + i) & 0xFF.
private final class FuzzDisk: BlockBackend {
    private let bytes: Mutex<[UInt8]>
    private let initial: [UInt8]
    let size: UInt64
    let isReadOnly: Bool

    init(sectors: Int, readOnly: Bool) {
        initial = (0..<sectors * 512).map { UInt8(truncatingIfNeeded: $0 / 512 + $0 % 512) }
        bytes = Mutex(initial)
        size = UInt64(initial.count)
        isReadOnly = readOnly
    }

    /// Compared with memcmp: an element-wise == on 32 KiB is slow under coverage instrumentation.
    var isPristine: Bool {
        bytes.withLock { now in
            now.withUnsafeBytes { a in initial.withUnsafeBytes { b in memcmp(a.baseAddress!, b.baseAddress!, b.count) == 0 } }
        }
    }

    func read(at offset: UInt64, into buffer: inout [UInt8]) throws(BlockBackendError) {
        try checkRange(offset: offset, length: buffer.count)
        let count = buffer.count
        buffer = bytes.withLock { Array($0[Int(offset)..<Int(offset) + count]) }
    }

    func write(_ data: ArraySlice<UInt8>, at offset: UInt64) throws(BlockBackendError) {
        guard !isReadOnly else { throw .readOnly(path: "fuzz") }
        try checkRange(offset: offset, length: data.count)
        bytes.withLock { $0.replaceSubrange(Int(offset)..<Int(offset) + data.count, with: data) }
    }

    func flush() throws(BlockBackendError) {}
}

/// Counts interrupts and remembers a vector the transport should not have.
private final class CountingInterrupt: VirtioInterrupt {
    private let state = Mutex<(count: Int, badVector: UInt16?)>((0, nil))

    func signalMSIX(vector: UInt16, message: MSIMessage) {
        state.withLock { state in
            state.count += 1
            if vector >= 2 { state.badVector = vector }
        }
    }

    func setINTxLevel(_ high: Bool) {}

    var badVector: UInt16? { state.withLock { $0.badVector } }
}
