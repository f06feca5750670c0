import GuestMemory
import Synchronization

/// One split virtqueue (virtio 1.2, §2.7) as the device sees it: the three ring addresses and the size
/// the driver programmed, and how far the device has got through them.
///
///     descriptor table  16 × size bytes, 16-aligned                       (driver writes)
///     available ring    flags, idx, ring[size] of le16, used_event         (driver writes; 6 + 2 × size)
///     used ring         flags, idx, ring[size] of {le32 id, le32 len}, avail_event  (device writes; 6 + 8 × size)
///
/// All guest memory goes through `GuestMemory`; every index the driver supplies is checked before use,
/// and the first violation becomes a `VirtqueueError` (the transport then sets DEVICE_NEEDS_RESET).
/// Fences order the device's ring accesses against the driver's, which runs concurrently on a vCPU.
public struct Virtqueue: Sendable {
    /// The largest split queue (§2.7: "Queue Size … maximum 32768").
    public static let largestSize: UInt16 = 32768

    public let index: UInt16
    /// What the device offers; the driver may program any power of two up to it.
    public let maxSize: UInt16

    // Registers the driver programs while the queue is disabled.
    public var size: UInt16
    public var descriptorTable: UInt64 = 0
    public var availRing: UInt64 = 0
    public var usedRing: UInt64 = 0
    public internal(set) var isEnabled = false

    /// The next available-ring entry the device will take (last_avail_idx).
    public internal(set) var nextAvail: UInt16 = 0
    /// The used-ring index the device will publish next.
    public internal(set) var nextUsed: UInt16 = 0
    /// used->idx at the last interrupt, for VIRTIO_F_EVENT_IDX; nil until the first one.
    var signalledUsed: UInt16?

    public init(index: UInt16, maxSize: UInt16) {
        precondition(maxSize > 0 && maxSize <= Self.largestSize && maxSize & (maxSize - 1) == 0,
                     "a split queue's maximum size is a power of two up to 32768")
        self.index = index
        self.maxSize = maxSize
        self.size = maxSize
    }

    /// Back to the state after a device reset: disabled, maximum size, no addresses.
    public mutating func reset() { self = Virtqueue(index: index, maxSize: maxSize) }

    /// Checks what the driver programmed and starts using the queue. The rings must lie wholly in guest
    /// RAM now; RAM never shrinks, so later accesses cannot leave it.
    public mutating func enable(memory: GuestMemory) throws(VirtqueueError) {
        guard size > 0, size <= maxSize, size & (size - 1) == 0 else {
            throw .invalidQueueSize(queue: index, size: size, maximum: maxSize)
        }
        let count = UInt64(size)
        for (part, address, length, alignment) in [(VirtqueuePart.descriptorTable, descriptorTable, 16 * count, UInt64(16)),
                                                    (.availRing, availRing, 6 + 2 * count, 2),
                                                    (.usedRing, usedRing, 6 + 8 * count, 4)] {
            guard address % alignment == 0 else {
                throw .ringMisaligned(queue: index, part: part, address: address, alignment: alignment)
            }
            guard memory.contains(GuestAddress(address), length: length) else {
                throw .ringOutsideRAM(queue: index, part: part, address: address, length: length)
            }
        }
        isEnabled = true
    }

    // MARK: - Available ring

    /// True when the driver has made buffers available that the device has not taken yet.
    public func hasAvailable(memory: GuestMemory) throws(VirtqueueError) -> Bool {
        try pendingCount(memory: memory) > 0
    }

    /// Takes the next available chain, walked and checked, or nil when there is none.
    public mutating func popAvailable(features: VirtioFeatures,
                                      memory: GuestMemory) throws(VirtqueueError) -> DescriptorChain? {
        guard isEnabled else { return nil }
        guard try pendingCount(memory: memory) > 0 else { return nil }
        // Read the ring entry only after avail->idx said it is there (pairs with the driver's write barrier).
        atomicMemoryFence(ordering: .acquiring)
        let slot = nextAvail % size
        let head = try load(UInt16.self, at: availRing &+ 4 &+ 2 &* UInt64(slot), memory: memory)
        guard head < size else { throw .headOutOfRange(queue: index, slot: slot, head: head, size: size) }
        let chain = try DescriptorChainWalker.walk(queue: index, head: head, table: GuestAddress(descriptorTable),
                                                   size: size, indirectAllowed: features.contains(.indirectDescriptors),
                                                   memory: memory)
        nextAvail &+= 1
        return chain
    }

    /// How many entries avail->idx is ahead of the device; more than the queue holds is the driver's error.
    private func pendingCount(memory: GuestMemory) throws(VirtqueueError) -> UInt16 {
        let availIndex = try load(UInt16.self, at: availRing &+ 2, memory: memory)
        let pending = availIndex &- nextAvail
        guard pending <= size else {
            throw .availIndexJump(queue: index, lastSeen: nextAvail, availIndex: availIndex, size: size)
        }
        return pending
    }

    // MARK: - Used ring

    /// Returns a chain to the driver: `length` is how many bytes the device wrote into its writable part.
    public mutating func pushUsed(head: UInt16, length: UInt32, memory: GuestMemory) throws(VirtqueueError) {
        guard isEnabled else { throw .invalidQueueSize(queue: index, size: size, maximum: maxSize) }
        let element = usedRing &+ 4 &+ 8 &* UInt64(nextUsed % size)
        try store(UInt32(head), at: element, memory: memory)
        try store(length, at: element &+ 4, memory: memory)
        nextUsed &+= 1
        // The element must be visible before the index that publishes it.
        atomicMemoryFence(ordering: .releasing)
        try store(nextUsed, at: usedRing &+ 2, memory: memory)
    }

    /// With VIRTIO_F_EVENT_IDX, tells the driver to notify once it makes entry `nextAvail` available
    /// (avail_event). Call before the last look for more work, so a buffer added meanwhile is either seen
    /// or notified.
    public mutating func publishAvailEvent(features: VirtioFeatures, memory: GuestMemory) throws(VirtqueueError) {
        guard features.contains(.eventIndex) else { return }
        try store(nextAvail, at: usedRing &+ 4 &+ 8 &* UInt64(size), memory: memory)
        atomicMemoryFence(ordering: .sequentiallyConsistent)
    }

    /// Whether the driver wants an interrupt for what was pushed since the last one (§2.7.7.2): with
    /// VIRTIO_F_EVENT_IDX, when used->idx passed used_event; otherwise unless avail->flags has
    /// VIRTQ_AVAIL_F_NO_INTERRUPT.
    public mutating func shouldInterrupt(features: VirtioFeatures, memory: GuestMemory) throws(VirtqueueError) -> Bool {
        // used->idx must be visible before we read what the driver asked for, or an interrupt can be lost.
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        guard features.contains(.eventIndex) else {
            return try load(UInt16.self, at: availRing, memory: memory) & 1 == 0
        }
        let usedEvent = try load(UInt16.self, at: availRing &+ 4 &+ 2 &* UInt64(size), memory: memory)
        defer { signalledUsed = nextUsed }
        guard let old = signalledUsed else { return true }
        return Self.needsEvent(eventIndex: usedEvent, new: nextUsed, old: old)
    }

    /// vring_need_event (§2.7.10): did the index move past `eventIndex` on its way from `old` to `new`?
    public static func needsEvent(eventIndex: UInt16, new: UInt16, old: UInt16) -> Bool {
        new &- eventIndex &- 1 < new &- old
    }

    // MARK: - Ring access

    // Addresses wrap rather than trap: `enable` proved the rings lie in RAM, and if a caller skipped it a
    // wrapped address fails GuestMemory's check and becomes an error like any other.

    private func load<T: FixedWidthInteger>(_ type: T.Type, at address: UInt64,
                                            memory: GuestMemory) throws(VirtqueueError) -> T {
        do { return try memory.read(type, at: GuestAddress(address)) } catch { throw .memory(queue: index, error) }
    }

    private func store<T: FixedWidthInteger>(_ value: T, at address: UInt64, memory: GuestMemory) throws(VirtqueueError) {
        do { try memory.write(value, at: GuestAddress(address)) } catch { throw .memory(queue: index, error) }
    }
}
